with source as (

    select * from {{ source('raw', 'ad_spend') }}

),

renamed as (

    select
        {{ surrogate_key(['date_day', 'platform', 'campaign_id']) }} as ad_spend_id,
        cast(date_day as date) as date_day,
        lower(platform) as platform,
        campaign_id,
        campaign_name,
        lower(campaign_name) as utm_campaign,
        {{ cents_to_dollars('spend_cents') }} as spend,
        impressions,
        clicks
    from source

)

select * from renamed
