select 1 as order_id
-- reads {{ source('shop', 'orders') }}
-- reads {{ source('shop', 'customers') }}
-- reads {{ source('shop', 'payments') }}
-- reads {{ source('shop', 'shipments') }}
-- reads {{ source('shop', 'refunds') }}
-- reads {{ source('shop', 'coupons') }}
-- reads {{ source('shop', 'regions') }}
