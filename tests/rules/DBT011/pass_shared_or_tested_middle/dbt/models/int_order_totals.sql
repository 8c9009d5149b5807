select order_id, sum(amount) as total from {{ ref('stg_order_lines') }} group by 1
