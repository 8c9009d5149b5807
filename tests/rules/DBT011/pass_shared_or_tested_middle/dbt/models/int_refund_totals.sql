select order_id, sum(amount) as refunded from {{ ref('stg_refunds') }} group by 1
