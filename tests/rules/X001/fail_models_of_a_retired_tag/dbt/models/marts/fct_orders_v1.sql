{{ config(tags=["archived"]) }}
select order_id from {{ ref('stg_legacy_orders') }}
