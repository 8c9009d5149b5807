{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert'
    )
}}

with order_items as (

    select * from {{ ref('int_order_items_enriched') }}

    {% if is_incremental() %}
    where ordered_at >= '{{ var("start_date") }}'
      and ordered_at < '{{ var("end_date") }}'
    {% endif %}

)

select
    order_item_id,
    order_id,
    customer_id,
    product_id,
    sku,
    category,
    ordered_at,
    order_date,
    order_status,
    quantity,
    unit_price,
    discount_amount,
    gross_amount,
    net_amount
from order_items
