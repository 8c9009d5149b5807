select * from {{ ref('orders_source') }}
