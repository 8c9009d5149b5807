select user_id, audience_id, audience_name, loaded_at
from {{ source('ga4', 'user_audiences') }}
