with source as (

    select * from {{ source('raw', 'products') }}

),

renamed as (

    select
        id as product_id,
        upper(sku) as sku,
        name as product_name,
        lower(category) as category,
        {{ cents_to_dollars('list_price_cents') }} as list_price,
        coalesce(is_active, false) as is_active,
        cast(updated_at as timestamp) as updated_at
    from source

)

select * from renamed
