# The rule reads the dbt project only. dim_customers is public without an enforced contract.
