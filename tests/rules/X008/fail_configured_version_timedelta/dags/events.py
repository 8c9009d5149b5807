from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("events_every_6h", schedule=timedelta(hours=6), start_date=datetime(2025, 1, 1)):
    BashOperator(
        task_id="dbt_run_events",
        bash_command=(
            "dbt run --select fct_events --vars "
            "'{start_date: \"{{ data_interval_start }}\", end_date: \"{{ data_interval_end }}\"}'"
        ),
    )
