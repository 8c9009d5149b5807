{{ config(materialized='incremental', unique_key='page_view_id') }}
select 1 as page_view_id, current_timestamp as viewed_at
{{ incremental_window('viewed_at') }}
