with customers as (

    select * from {{ ref('int_customers_geo') }}

),

orders as (

    select
        customer_id,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at,
        count(*) as lifetime_orders,
        sum(amount_paid - amount_refunded) as lifetime_value
    from {{ ref('int_orders_enriched') }}
    where status != 'cancelled'
    group by 1

)

select
    customers.customer_id,
    customers.first_name,
    customers.last_name,
    customers.email,
    customers.country_code,
    customers.country_name,
    customers.region,
    customers.created_at,
    orders.first_ordered_at,
    orders.last_ordered_at,
    coalesce(orders.lifetime_orders, 0) as lifetime_orders,
    coalesce(orders.lifetime_value, 0) as lifetime_value,
    case
        when orders.lifetime_orders is null then 'prospect'
        when orders.lifetime_value >= 1000 then 'vip'
        when orders.lifetime_orders > 1 then 'repeat'
        else 'new'
    end as customer_segment
from customers
left join orders on customers.customer_id = orders.customer_id
