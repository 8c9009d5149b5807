select a.id, a.name, cur.code
from {{ source('crm', 'accounts') }} as a
join {{ source('reference', 'currencies') }} as cur on cur.code = a.currency
