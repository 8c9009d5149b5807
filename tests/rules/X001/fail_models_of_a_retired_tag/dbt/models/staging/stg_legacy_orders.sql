-- Replaced by stg_orders; kept until the finance export moves over.
{{ config(tags=["archived"]) }}
select 1 as order_id
