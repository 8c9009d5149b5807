{{ config(materialized='table') }}
select * from {{ ref('stg_calls') }}
{{ new_rows_only('started_at') }}
