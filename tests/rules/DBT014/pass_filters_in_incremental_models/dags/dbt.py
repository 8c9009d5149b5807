# The rule reads the dbt project only. The filter is in an incremental model; a table calls a
# shared macro that holds one, which serves incremental models too.
