from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")

# Runs only when someone triggers it.
with DAG("source_checks", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_source_freshness", bash_command="dbt source freshness")
