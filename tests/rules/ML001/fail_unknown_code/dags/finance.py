# monolint: ignore-file[X02]
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("finance", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_daily", bash_command="dbt build --select tag:dialy")
