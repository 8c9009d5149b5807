select * from {{ source('web', 'sessions') }}
