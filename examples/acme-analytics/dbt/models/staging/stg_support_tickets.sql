with source as (

    select * from {{ source('raw', 'support_tickets') }}

),

renamed as (

    select
        id as ticket_id,
        customer_id,
        agent_id,
        lower(priority) as priority,
        lower(channel) as channel,
        lower(status) as status,
        cast(opened_at as timestamp) as opened_at,
        cast(first_response_at as timestamp) as first_response_at,
        cast(resolved_at as timestamp) as resolved_at
    from source

)

select * from renamed
