from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    "exports",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "exports", "retries": 1, "email": "data-oncall@example.com"},
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:exports")
