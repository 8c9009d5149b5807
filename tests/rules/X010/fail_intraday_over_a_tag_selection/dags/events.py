from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("events_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily tag:hourly")

# Business hours: the latest events again, while the nightly tag selection builds them too.
with DAG("events_intraday", schedule="0 8-18 * * 1-5", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_latest", bash_command="dbt run --select fct_events_latest")
