{{ config(materialized='incremental', incremental_strategy='insert_overwrite', partition_by={'field': 'click_date', 'data_type': 'date'}) }}
select cast(clicked_at as date) as click_date, count(*) as clicks
from {{ source('shop', 'clicks') }}
group by 1
