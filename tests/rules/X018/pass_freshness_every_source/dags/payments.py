from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    # No selection: every source with a threshold is checked.
    freshness = BashOperator(task_id="dbt_source_freshness", bash_command="dbt source freshness")
    build = BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")
    freshness >> build
