from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("old_reports", schedule="@weekly", start_date=datetime(2023, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_reports", bash_command="dbt run --select tag:reports_v1")
