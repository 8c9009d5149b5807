select * from {{ ref('fct_refunds') }}
