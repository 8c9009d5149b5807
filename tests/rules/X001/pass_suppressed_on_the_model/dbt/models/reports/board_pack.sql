-- Built by hand before each board meeting.
-- monolint: ignore[model-not-scheduled]
select * from {{ ref('daily_orders') }}
