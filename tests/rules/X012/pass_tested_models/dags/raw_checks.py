from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts_checks", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="test_marts", bash_command="dbt test --select tag:daily")
