{{ config(tags=["daily"]) }}
select order_id, amount from {{ ref('stg_orders') }}
