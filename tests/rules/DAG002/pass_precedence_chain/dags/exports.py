from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "exports",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "analytics-engineering", "retries": 2, "retry_delay": timedelta(minutes=5)},
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:exports")
    # Writes to an external system that must not receive a row twice.
    BashOperator(task_id="push", bash_command="python push.py", retries=0)
