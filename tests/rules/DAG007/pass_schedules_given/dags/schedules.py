from datetime import datetime, timedelta

from airflow import DAG, Dataset
from airflow.operators.bash import BashOperator
from airflow.timetables.trigger import CronTriggerTimetable

with DAG("manual", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="dbt_run", bash_command="dbt run --full-refresh")

with DAG("legacy_interval", schedule_interval=timedelta(hours=4), start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:four_hourly")

with DAG("trigger", schedule=CronTriggerTimetable("0 3 * * *", timezone="UTC"), start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:nightly")

with DAG("on_orders", schedule=[Dataset("snowflake://analytics/marts/orders")], start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="export", bash_command="python export.py")

# Reported by dag-arg-in-default-args, at the key.
with DAG("misplaced", start_date=datetime(2024, 1, 1), catchup=False, default_args={"schedule_interval": "@daily"}):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:misplaced")

dag = DAG("assigned", start_date=datetime(2024, 1, 1), catchup=False)
dag.schedule_interval = "@hourly"
BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:hourly", dag=dag)
