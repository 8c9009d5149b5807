select r.refund_id, t.refunded from {{ ref('stg_refunds') }} as r join {{ ref('int_refund_totals') }} as t using (order_id)
