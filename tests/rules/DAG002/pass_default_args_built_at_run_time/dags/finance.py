from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

from company_airflow.defaults import default_args_for

with DAG(
    "finance",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args=default_args_for("finance"),
):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:finance")
