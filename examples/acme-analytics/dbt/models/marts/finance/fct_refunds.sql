with payments as (

    select * from {{ ref('stg_payments') }}
    where payment_status = 'refunded'

),

orders as (

    select order_id, customer_id, ordered_at, currency
    from {{ ref('stg_orders') }}

)

select
    payments.payment_id as refund_id,
    payments.order_id,
    orders.customer_id,
    orders.currency,
    payments.payment_method,
    payments.amount as refund_amount,
    payments.paid_at as refunded_at,
    date_diff('day', orders.ordered_at, payments.paid_at) as days_since_order
from payments
inner join orders on payments.order_id = orders.order_id
