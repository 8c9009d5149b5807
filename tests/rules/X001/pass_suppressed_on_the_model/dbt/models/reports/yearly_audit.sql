select order_id from {{ ref('daily_orders') }}
