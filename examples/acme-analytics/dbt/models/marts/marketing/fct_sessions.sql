{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert'
    )
}}

with sessions as (

    select * from {{ ref('int_sessions_attributed') }}

    {% if is_incremental() %}
    where session_started_at >= '{{ var("start_date") }}'
      and session_started_at < '{{ var("end_date") }}'
    {% endif %}

)

select
    session_id,
    anonymous_id,
    customer_id,
    cast(session_started_at as date) as session_date,
    session_started_at,
    session_ended_at,
    duration_seconds,
    channel,
    utm_source,
    utm_medium,
    utm_campaign,
    device_type,
    orders_in_session,
    is_converted
from sessions
