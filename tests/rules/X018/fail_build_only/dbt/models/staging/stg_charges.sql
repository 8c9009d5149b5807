select c.id, c.amount, r.amount as refunded
from {{ source('stripe', 'charges') }} as c
left join {{ source('stripe', 'refunds') }} as r on r.charge_id = c.id
