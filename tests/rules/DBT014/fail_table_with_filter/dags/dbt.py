# The rule reads the dbt project only. fct_calls keeps an incremental filter, and a unique
# key, but is built as a table.
