# The rule reads the dbt project only. Every model's key is tested (unique and not_null, or a
# key test of several columns); the ephemeral helper is inlined into its consumers.
