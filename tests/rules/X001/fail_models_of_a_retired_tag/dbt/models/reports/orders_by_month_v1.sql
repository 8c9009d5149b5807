{{ config(tags=["archived"]) }}
select count(*) as orders from {{ ref('fct_orders_v1') }}
