# The rule reads the dbt project only. The team's own layers and prefixes, set in
# monolint.toml, are followed.
