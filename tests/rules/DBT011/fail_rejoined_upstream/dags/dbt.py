# The rule reads the dbt project only. fct_orders reads stg_order_lines directly and again
# through int_order_totals, which nothing else uses.
