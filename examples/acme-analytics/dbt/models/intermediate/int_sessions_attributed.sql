with sessions as (

    select * from {{ ref('stg_web_sessions') }}

),

orders as (

    select order_id, customer_id, ordered_at
    from {{ ref('stg_orders') }}

)

select
    sessions.session_id,
    sessions.anonymous_id,
    sessions.customer_id,
    sessions.session_started_at,
    sessions.session_ended_at,
    sessions.duration_seconds,
    sessions.utm_source,
    sessions.utm_medium,
    sessions.utm_campaign,
    sessions.device_type,
    case
        when sessions.utm_medium in ('cpc', 'ppc', 'paid_social') then 'paid'
        when sessions.utm_medium = 'email' then 'email'
        when sessions.utm_medium = 'social' then 'organic_social'
        when sessions.utm_source is null then 'direct'
        else 'organic'
    end as channel,
    count(orders.order_id) as orders_in_session,
    count(orders.order_id) > 0 as is_converted
from sessions
left join orders
    on sessions.customer_id = orders.customer_id
    and orders.ordered_at between sessions.session_started_at and sessions.session_ended_at
group by all
