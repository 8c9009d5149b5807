from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {
    "owner": "finance",
    "start_date": datetime(2024, 1, 1),
    "catchup": False,
    "schedule_interval": "@daily",
}

with DAG("finance", schedule="0 5 * * *", catchup=False, default_args=default_args):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:finance")
