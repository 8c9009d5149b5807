from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

INTERVAL = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'

# Airflow 2: a cron schedule's data interval spans one period.
with DAG("events", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_events", bash_command=f"dbt run --select fct_events --vars '{INTERVAL}'")
