from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("events", schedule_interval="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_run_events",
        bash_command="dbt run --select fct_events --vars '{start_date: {{ ds }}, end_date: {{ next_ds }}}'",
    )
