select * from {{ source('stripe', 'currencies') }}
