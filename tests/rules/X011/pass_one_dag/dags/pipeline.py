from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("daily", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    staging = BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
    marts = BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
    staging >> marts
