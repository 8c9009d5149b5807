{{ config(tags=["daily"]) }}
select 1 as payment_id, 1 as order_id, 10 as amount
