from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {
    "owner": "finance",
    "retries": 2,
    "email": ["finance-data@example.com"],
    "email_on_failure": False,
    "email_on_retry": False,
}

with DAG("finance_close", schedule="0 4 * * *", start_date=datetime(2024, 1, 1), catchup=False, default_args=default_args):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:finance")
