with spend as (

    select * from {{ ref('stg_ad_spend') }}

)

select
    {{ surrogate_key(['platform', 'campaign_id']) }} as campaign_key,
    campaign_id,
    platform,
    max(campaign_name) as campaign_name,
    max(utm_campaign) as utm_campaign,
    min(date_day) as first_active_date,
    max(date_day) as last_active_date,
    sum(spend) as lifetime_spend
from spend
group by 2, 3
