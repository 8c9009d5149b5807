# The rule reads the dbt project only. The project's staging layer is models/sources/, as
# monolint.toml says; the marts read it.
