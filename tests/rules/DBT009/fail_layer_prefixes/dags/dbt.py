# The rule reads the dbt project only. One staging model lacks `stg_`; no model under marts
# uses `fct_` or `dim_` (that folder's convention, reported once at its dbt_project.yml entry).
