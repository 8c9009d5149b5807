from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

default_args = {
    "owner": "marketing-analytics",
    "retry_delay": timedelta(minutes=5),
}

with DAG(
    "marketing_daily",
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args,
):
    start = EmptyOperator(task_id="start")
    staging = BashOperator(task_id="dbt_staging", bash_command="dbt build -s staging", retries=3)
    marts = BashOperator(task_id="dbt_marts", bash_command="dbt build -s marts")
    start >> staging >> marts
