-- Refunds can never exceed what was paid for an order.
select
    order_id,
    recognized_revenue
from {{ ref('fct_revenue') }}
where recognized_revenue < 0
