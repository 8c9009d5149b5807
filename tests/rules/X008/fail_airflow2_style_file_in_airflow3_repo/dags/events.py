# Written for Airflow 2, but the repository runs Airflow 3 (another DAG imports airflow.sdk).
import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

INTERVAL = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'

with DAG("events", schedule="0 6 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="UTC")):
    BashOperator(task_id="dbt_run_events", bash_command=f"dbt run --select fct_events --vars '{INTERVAL}'")
