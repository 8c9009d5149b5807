select event_id, user_id, event_name, loaded_at
from {{ source('ga4', 'events') }}
{% if is_incremental() %}
where loaded_at > (select max(loaded_at) from {{ this }})
{% endif %}
