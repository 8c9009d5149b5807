# The rule reads the dbt project only. fct_payments reads a source table directly; the other
# models read it through staging.
