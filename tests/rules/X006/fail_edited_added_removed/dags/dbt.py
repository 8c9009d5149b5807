# This case's project was edited after `dbt parse`: one model changed, one removed, one added.
