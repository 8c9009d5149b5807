from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("events_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily tag:hourly")

with DAG("events_intraday", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_latest", bash_command="dbt run --select fct_events_latest")

with DAG("events_catchup", schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_events", bash_command="dbt run --select fct_events")
