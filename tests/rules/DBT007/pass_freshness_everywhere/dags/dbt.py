# The rule reads the dbt project only. Every source table is watched, or turned off on purpose.
