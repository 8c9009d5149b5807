with source as (

    select * from {{ source('raw', 'order_items') }}

),

renamed as (

    select
        id as order_item_id,
        order_id,
        product_id,
        quantity,
        {{ cents_to_dollars('unit_price_cents') }} as unit_price,
        {{ cents_to_dollars('coalesce(discount_cents, 0)') }} as discount_amount
    from source

)

select * from renamed
