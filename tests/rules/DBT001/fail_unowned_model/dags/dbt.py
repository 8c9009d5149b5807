# The rule reads the dbt project only; the shared fixture project has one model without owner.
