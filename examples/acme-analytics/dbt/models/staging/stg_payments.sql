with source as (

    select * from {{ source('raw', 'payments') }}

),

renamed as (

    select
        id as payment_id,
        order_id,
        lower(method) as payment_method,
        lower(status) as payment_status,
        {{ cents_to_dollars('amount_cents') }} as amount,
        cast(created_at as timestamp) as paid_at
    from source

)

select * from renamed
