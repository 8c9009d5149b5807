with tickets as (

    select * from {{ ref('fct_ticket_sla') }}

)

select
    {{ surrogate_key(['cast(opened_at as date)', 'channel']) }} as ticket_day_id,
    cast(opened_at as date) as opened_date,
    channel,
    count(*) as tickets_opened,
    count(resolved_at) as tickets_resolved,
    sum(case when is_sla_breached then 1 else 0 end) as sla_breaches,
    median(first_response_minutes) as median_first_response_minutes
from tickets
group by 2, 3
