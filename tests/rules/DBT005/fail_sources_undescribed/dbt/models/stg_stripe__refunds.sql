select * from {{ source('stripe', 'refunds') }}
