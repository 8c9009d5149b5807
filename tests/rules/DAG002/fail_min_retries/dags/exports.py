from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "exports",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "analytics-engineering", "retries": 0},
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:exports")
