with source as (

    select * from {{ source('raw', 'orders') }}

),

renamed as (

    select
        id as order_id,
        customer_id,
        lower(status) as status,
        upper(currency) as currency,
        cast(ordered_at as timestamp) as ordered_at,
        cast(ordered_at as date) as order_date,
        _loaded_at as loaded_at
    from source

)

select * from renamed
