{{ config(materialized='incremental', unique_key='call_id') }}
select * from {{ ref('stg_calls') }}
{% if is_incremental() %}
where started_at > (select max(started_at) from {{ this }})
{% endif %}
