# The rule reads the dbt project only. Every incremental model of it filters its new rows (in
# its SQL, in a project macro, or in Python), merges on a unique key, or overwrites partitions.
