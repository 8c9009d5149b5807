select 1 as refund_id, current_date as refunded_at, '{{ var("currency") }}' as currency
where current_date >= '{{ var("refunds_since") }}'
