# The rule reads the dbt project only. fct_orders' key is tested unique but may be null;
# fct_refunds has no tests; the others have a tested key, one through the team's own copy of
# unique_combination_of_columns, one through a not_null constraint.
