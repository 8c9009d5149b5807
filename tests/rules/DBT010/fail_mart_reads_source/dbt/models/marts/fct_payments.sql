select id as payment_id, amount / 100.0 as amount from {{ source('stripe', 'charges') }}
