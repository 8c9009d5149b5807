select 1 as refund_id
