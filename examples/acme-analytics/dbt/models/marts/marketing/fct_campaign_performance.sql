with spend as (

    select
        date_day,
        platform,
        campaign_id,
        utm_campaign,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks
    from {{ ref('stg_ad_spend') }}
    group by 1, 2, 3, 4

),

sessions as (

    select
        session_date,
        utm_campaign,
        count(*) as sessions,
        sum(case when is_converted then 1 else 0 end) as converted_sessions,
        sum(orders_in_session) as orders
    from {{ ref('fct_sessions') }}
    where channel = 'paid'
    group by 1, 2

)

select
    {{ surrogate_key(['spend.date_day', 'spend.platform', 'spend.campaign_id']) }} as campaign_day_id,
    spend.date_day,
    spend.platform,
    spend.campaign_id,
    spend.spend,
    spend.impressions,
    spend.clicks,
    coalesce(sessions.sessions, 0) as sessions,
    coalesce(sessions.converted_sessions, 0) as converted_sessions,
    coalesce(sessions.orders, 0) as orders,
    spend.spend / nullif(sessions.orders, 0) as cost_per_order
from spend
left join sessions
    on spend.date_day = sessions.session_date
    and spend.utm_campaign = sessions.utm_campaign
