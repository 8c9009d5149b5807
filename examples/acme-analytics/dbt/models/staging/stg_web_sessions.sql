with source as (

    select * from {{ source('raw', 'web_sessions') }}

),

renamed as (

    select
        session_id,
        anonymous_id,
        customer_id,
        cast(started_at as timestamp) as session_started_at,
        cast(ended_at as timestamp) as session_ended_at,
        date_diff('second', started_at, ended_at) as duration_seconds,
        lower(utm_source) as utm_source,
        lower(utm_medium) as utm_medium,
        lower(utm_campaign) as utm_campaign,
        landing_page,
        lower(device_type) as device_type
    from source

)

select * from renamed
