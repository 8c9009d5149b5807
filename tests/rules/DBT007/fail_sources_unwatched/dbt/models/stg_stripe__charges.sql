select * from {{ source('stripe', 'charges') }}
