with orders as (

    select * from {{ ref('stg_orders') }}

),

items as (

    select
        order_id,
        count(*) as item_count,
        sum(quantity) as unit_count,
        sum(gross_amount) as gross_amount,
        sum(discount_amount) as discount_amount,
        sum(net_amount) as net_amount
    from {{ ref('int_order_items_enriched') }}
    group by 1

),

payments as (

    select
        order_id,
        sum(case when payment_status = 'succeeded' then amount else 0 end) as amount_paid,
        sum(case when payment_status = 'refunded' then amount else 0 end) as amount_refunded
    from {{ ref('stg_payments') }}
    group by 1

)

select
    orders.order_id,
    orders.customer_id,
    orders.status,
    orders.currency,
    orders.ordered_at,
    orders.order_date,
    coalesce(items.item_count, 0) as item_count,
    coalesce(items.unit_count, 0) as unit_count,
    coalesce(items.gross_amount, 0) as gross_amount,
    coalesce(items.discount_amount, 0) as discount_amount,
    coalesce(items.net_amount, 0) as net_amount,
    coalesce(payments.amount_paid, 0) as amount_paid,
    coalesce(payments.amount_refunded, 0) as amount_refunded
from orders
left join items on orders.order_id = items.order_id
left join payments on orders.order_id = payments.order_id
