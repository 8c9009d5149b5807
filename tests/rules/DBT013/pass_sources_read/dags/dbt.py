# The rule reads the dbt project only. Every source table is read by a model or an exposure.
