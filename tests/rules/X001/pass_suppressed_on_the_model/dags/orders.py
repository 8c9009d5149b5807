from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("orders", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_orders", bash_command="dbt run --select daily_orders")
