with order_items as (

    select * from {{ ref('stg_order_items') }}

),

orders as (

    select order_id, customer_id, ordered_at, order_date, status
    from {{ ref('stg_orders') }}

),

products as (

    select product_id, sku, product_name, category
    from {{ ref('stg_products') }}

)

select
    order_items.order_item_id,
    order_items.order_id,
    orders.customer_id,
    orders.ordered_at,
    orders.order_date,
    orders.status as order_status,
    order_items.product_id,
    products.sku,
    products.product_name,
    products.category,
    order_items.quantity,
    order_items.unit_price,
    order_items.discount_amount,
    order_items.quantity * order_items.unit_price as gross_amount,
    order_items.quantity * order_items.unit_price - order_items.discount_amount as net_amount
from order_items
inner join orders on order_items.order_id = orders.order_id
left join products on order_items.product_id = products.product_id
