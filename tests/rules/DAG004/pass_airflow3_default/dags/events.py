import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG("events_hourly", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC")):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:events")
