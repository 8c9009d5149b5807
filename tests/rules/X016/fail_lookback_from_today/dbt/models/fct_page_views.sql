{{ config(materialized='incremental', unique_key='page_view_id') }}
select 1 as page_view_id, current_date as viewed_on
{% if is_incremental() %}
-- Late events arrive for up to three days.
where viewed_on >= current_date - interval '3 days'
{% endif %}
