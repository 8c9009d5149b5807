{{ config(tags=['daily']) }}
select customer_id, name, country from {{ ref('stg_customers') }}
