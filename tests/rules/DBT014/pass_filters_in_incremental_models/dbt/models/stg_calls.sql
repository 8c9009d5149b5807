select 1 as call_id, current_timestamp as started_at
