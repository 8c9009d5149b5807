select * from {{ ref('src_shop__orders') }}
