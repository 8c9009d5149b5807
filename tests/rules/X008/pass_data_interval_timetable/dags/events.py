from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable

INTERVAL = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'
START = pendulum.datetime(2025, 1, 1, tz="UTC")

with DAG("events", schedule=CronDataIntervalTimetable("0 6 * * *", timezone="UTC"), start_date=START):
    BashOperator(task_id="dbt_run_events", bash_command=f"dbt run --select fct_events --vars '{INTERVAL}'")

with DAG(
    "events_trigger",
    schedule=CronTriggerTimetable("0 7 * * *", timezone="UTC", interval=timedelta(days=1)),
    start_date=START,
):
    BashOperator(task_id="dbt_run_events", bash_command=f"dbt run --select fct_events --vars '{INTERVAL}'")
