with tickets as (

    select * from {{ ref('stg_support_tickets') }}

),

targets as (

    -- First-response targets agreed with the support team, in minutes.
    select * from (values
        ('urgent', 30),
        ('high', 120),
        ('normal', 480),
        ('low', 1440)
    ) as t (priority, response_target_minutes)

)

select
    tickets.ticket_id,
    tickets.customer_id,
    tickets.agent_id,
    tickets.priority,
    tickets.channel,
    tickets.status,
    tickets.opened_at,
    tickets.first_response_at,
    tickets.resolved_at,
    date_diff('minute', tickets.opened_at, tickets.first_response_at) as first_response_minutes,
    date_diff('hour', tickets.opened_at, tickets.resolved_at) as resolution_hours,
    targets.response_target_minutes,
    coalesce(
        date_diff('minute', tickets.opened_at, tickets.first_response_at) > targets.response_target_minutes,
        false
    ) as is_sla_breached
from tickets
left join targets on tickets.priority = targets.priority
