{{ config(materialized='incremental') }}
select payment_id, order_id, amount, paid_at from {{ source('shop', 'payments') }}
{{ new_rows_only('paid_at') }}
