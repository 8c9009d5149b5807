{{ config(tags=['product_weekly']) }}

-- Weekly price history of every product, from the prices it actually sold at.
with items as (

    select * from {{ ref('int_order_items_enriched') }}
    where order_status != 'cancelled'

),

products as (

    select product_id, sku, product_name, category, list_price
    from {{ ref('stg_products') }}

)

select
    {{ surrogate_key(['items.product_id', "date_trunc('week', items.order_date)"]) }} as product_week_id,
    items.product_id,
    products.sku,
    products.product_name,
    products.category,
    date_trunc('week', items.order_date) as week_start,
    products.list_price as current_list_price,
    min(items.unit_price) as min_unit_price,
    max(items.unit_price) as max_unit_price,
    round(sum(items.gross_amount) / nullif(sum(items.quantity), 0), 2) as avg_unit_price,
    sum(items.quantity) as units_sold
from items
left join products on items.product_id = products.product_id
group by all
