# The rule reads the dbt project only. Each model in the middle has another use: a second
# model reads int_order_totals, and int_refund_totals is tested.
