with revenue as (

    select * from {{ ref('fct_revenue') }}

)

select
    {{ surrogate_key(["date_trunc('month', order_date)", 'currency']) }} as revenue_month_id,
    date_trunc('month', order_date) as revenue_month,
    currency,
    count(distinct order_id) as order_count,
    count(distinct customer_id) as customer_count,
    sum(gross_amount) as gross_amount,
    sum(discount_amount) as discount_amount,
    sum(amount_refunded) as refunded_amount,
    sum(recognized_revenue) as recognized_revenue
from revenue
group by 2, 3
