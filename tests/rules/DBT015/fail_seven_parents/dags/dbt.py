# The rule reads the dbt project only. fct_orders reads seven source tables at once.
