# The rule reads the dbt project only. Two dashboards have an empty or a placeholder owner.
