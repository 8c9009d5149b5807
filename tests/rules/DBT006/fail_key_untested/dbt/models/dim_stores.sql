select 1 as store_id
