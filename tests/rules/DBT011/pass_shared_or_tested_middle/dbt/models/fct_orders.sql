select l.order_id, t.total from {{ ref('stg_order_lines') }} as l join {{ ref('int_order_totals') }} as t using (order_id)
