{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with orders as (

    select * from {{ ref('int_orders_enriched') }}
    where status != 'cancelled'

    {% if is_incremental() %}
      and ordered_at >= '{{ var("start_date") }}'
      and ordered_at < '{{ var("end_date") }}'
    {% endif %}

)

select
    order_id,
    customer_id,
    ordered_at,
    order_date,
    currency,
    status,
    item_count,
    gross_amount,
    discount_amount,
    net_amount,
    amount_paid,
    amount_refunded,
    amount_paid - amount_refunded as recognized_revenue
from orders
