# The rule reads the dbt project only. fct_orders reads seven source tables, within the limit
# monolint.toml sets.
