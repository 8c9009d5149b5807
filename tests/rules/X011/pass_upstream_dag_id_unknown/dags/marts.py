from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
