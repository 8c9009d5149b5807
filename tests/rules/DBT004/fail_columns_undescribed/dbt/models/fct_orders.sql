select 1 as order_id, 2 as amount, 3 as currency
