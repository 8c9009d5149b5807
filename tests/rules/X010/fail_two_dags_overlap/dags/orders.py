from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts_daily", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")

# Added later for the finance team: it rebuilds fct_orders and everything upstream of it,
# which marts_daily already builds an hour earlier.
with DAG("finance_orders", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_orders", bash_command="dbt run --select +fct_orders")
