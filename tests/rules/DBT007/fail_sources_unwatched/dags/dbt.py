# The rule reads the dbt project only. shop has no freshness check; crm watches one table of
# two; stripe's static table turns the check off on purpose; web is watched.
