# The rule reads the dbt project only. stripe leaves a table undescribed, crm has no
# description of its own; shop and web are fully described.
