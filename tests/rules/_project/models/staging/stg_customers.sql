select c.customer_id, c.name, k.name as country
from {{ source('raw', 'customers') }} as c
left join {{ ref('countries') }} as k on k.code = c.country_code
