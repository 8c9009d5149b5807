{{ config(materialized='table') }}
select customer_id, sum(amount) as total from {{ ref('orders') }} group by 1
