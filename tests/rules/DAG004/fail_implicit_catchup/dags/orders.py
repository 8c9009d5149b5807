from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "orders_hourly",
    schedule="0 * * * *",
    start_date=datetime(2021, 1, 1),
    default_args={"owner": "orders", "retries": 2},
):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:orders")

with DAG(
    "orders_daily",
    schedule="@daily",
    start_date=datetime(2021, 1, 1),
    catchup=False,
    default_args={"owner": "orders", "retries": 2},
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:orders")
