# A high-water mark (`max(occurred_at)` from `{{ this }}`) is dbt's usual incremental filter: no vars to pass.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("events_hourly", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_run_latest",
        bash_command="dbt run -s tag:hourly --vars '{start_date: \"{{ data_interval_start }}\"}'",
    )
