select * from {{ ref('int_order_totals') }} where total > 100
