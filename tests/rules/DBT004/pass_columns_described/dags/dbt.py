# The rule reads the dbt project only. Every listed column is described; a model that lists
# no columns is not checked (its columns are unknown without the warehouse's catalog).
