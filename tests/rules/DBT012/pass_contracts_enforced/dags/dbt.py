# The rule reads the dbt project only. The public model enforces its contract; protected and
# private models need none.
