# The rule reads the dbt project only. Its sources and their tables are described.
