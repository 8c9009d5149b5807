# The rule reads the dbt project only. stripe's disputes table is only tested, and nothing
# reads crm; shop and web are read.
