{{ config(meta={'monolint': {'ignore': ['X001'], 'reason': 'run by the data science notebook'}}) }}
select order_id from {{ ref('daily_orders') }}
