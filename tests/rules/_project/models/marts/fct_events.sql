{{ config(materialized='incremental', unique_key='event_id', tags=['daily']) }}
select event_id, customer_id, event_type, occurred_at
from {{ ref('stg_events') }}
{% if is_incremental() %}
where occurred_at >= '{{ var("start_date") }}'
  and occurred_at < '{{ var("end_date") }}'
{% endif %}
