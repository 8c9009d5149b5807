{{ config(materialized='incremental', unique_key='session_id') }}
select 1 as session_id, current_date as started_on
{% if is_incremental() %}
where started_on > (select max(started_on) from {{ this }})
{% endif %}
