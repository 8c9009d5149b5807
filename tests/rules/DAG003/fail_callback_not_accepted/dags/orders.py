from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

from alerts import log_failure, page_on_call

with DAG(
    "orders",
    schedule="@hourly",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "orders", "retries": 2, "on_failure_callback": log_failure},
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:orders")

with DAG(
    "orders_reconcile",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "orders", "retries": 2, "on_failure_callback": [log_failure, page_on_call]},
):
    BashOperator(task_id="reconcile", bash_command="dbt build -s tag:reconcile")
