# The rule reads the dbt project only. No model of it has a description: the project's
# convention, reported once at dbt_project.yml.
