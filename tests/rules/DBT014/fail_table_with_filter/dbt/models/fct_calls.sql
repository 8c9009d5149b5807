{{ config(materialized='table', unique_key='call_id') }}
select * from {{ ref('stg_calls') }}
{% if is_incremental() %}
where call_id not in (select call_id from {{ this }})
{% endif %}
