{{ config(materialized='table') }}

with customers as (

    select * from {{ ref('stg_customers') }}

),

countries as (

    select * from {{ ref('country_codes') }}

)

select
    customers.customer_id,
    customers.first_name,
    customers.last_name,
    customers.email,
    customers.country_code,
    coalesce(countries.country_name, 'Unknown') as country_name,
    coalesce(countries.region, 'Unknown') as region,
    coalesce(countries.is_eu, false) as is_eu,
    customers.created_at
from customers
left join countries on customers.country_code = countries.country_code
