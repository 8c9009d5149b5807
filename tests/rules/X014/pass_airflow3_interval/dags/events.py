from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("events", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_run_events",
        bash_command="dbt run --select fct_events --vars '{start_date: {{ data_interval_start | ds }}, end_date: {{ data_interval_end | ds }}}'",
    )
