select 1 as order_id, current_date as ordered_on
