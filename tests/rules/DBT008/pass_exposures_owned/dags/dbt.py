# The rule reads the dbt project only. Every exposure names its owner.
