select l.order_id, t.total, count(*) as lines
from {{ ref('stg_order_lines') }} as l
join {{ ref('int_order_totals') }} as t using (order_id)
group by 1, 2
