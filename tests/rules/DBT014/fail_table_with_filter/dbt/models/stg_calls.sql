select 1 as call_id
