"""Every DAG leaves out models the team tags `deprecated`; none is tagged so today."""

from airflow.decorators import dag
from airflow.operators.bash import BashOperator
from pendulum import datetime


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def dbt_daily():
    BashOperator(
        task_id="run_daily",
        bash_command="dbt run --select tag:daily --exclude tag:deprecated",
    )


@dag(schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False)
def dbt_hourly():
    BashOperator(
        task_id="run_hourly",
        bash_command="dbt run --select tag:hourly --exclude tag:deprecated tag:wip",
    )


dbt_daily()
dbt_hourly()
