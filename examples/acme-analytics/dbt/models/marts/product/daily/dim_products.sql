with products as (

    select * from {{ ref('stg_products') }}

),

sales as (

    select
        product_id,
        min(ordered_at) as first_sold_at,
        max(ordered_at) as last_sold_at,
        sum(quantity) as units_sold,
        sum(net_amount) as net_sales
    from {{ ref('int_order_items_enriched') }}
    where order_status != 'cancelled'
    group by 1

)

select
    products.product_id,
    products.sku,
    products.product_name,
    products.category,
    products.list_price,
    products.is_active,
    sales.first_sold_at,
    sales.last_sold_at,
    coalesce(sales.units_sold, 0) as units_sold,
    coalesce(sales.net_sales, 0) as net_sales
from products
left join sales on products.product_id = sales.product_id
