{{ config(materialized='incremental', unique_key='usage_id') }}
select 1 as usage_id, current_timestamp as uploaded_at
where uploaded_at >= '{{ var("telemetry_start_date") }}'
{% if is_incremental() %}
  -- Reprocess a few days behind the newest row: late data arrives for up to three days.
  and uploaded_at > (select dateadd(day, -{{ var('lookback_days') }}, max(uploaded_at)) from {{ this }})
  and {{ var('usage_ts_column', 'uploaded_at') }} >= '{{ var("telemetry_start_date") }}'
  and usage_id > {{ var('min_usage_id', 0) }}
{% endif %}
