from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

INTERVAL = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'

with DAG("events", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_events", bash_command=f"dbt run --select fct_events --vars '{INTERVAL}'")
