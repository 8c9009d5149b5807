from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("backfill_orders", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "orders"}):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s orders --full-refresh")
