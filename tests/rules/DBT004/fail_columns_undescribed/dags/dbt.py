# The rule reads the dbt project only. fct_orders lists three columns and describes one.
