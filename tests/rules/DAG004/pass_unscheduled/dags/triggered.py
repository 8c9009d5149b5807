from datetime import datetime

from airflow import DAG, Dataset
from airflow.operators.bash import BashOperator

orders = Dataset("snowflake://analytics/marts/orders")

with DAG("manual_full_refresh", schedule=None, start_date=datetime(2021, 1, 1)):
    BashOperator(task_id="dbt_run", bash_command="dbt run --full-refresh")

with DAG("orders_exports", schedule=[orders], start_date=datetime(2021, 1, 1)):
    BashOperator(task_id="export", bash_command="python export.py")

with DAG("seed_once", schedule="@once", start_date=datetime(2021, 1, 1)):
    BashOperator(task_id="dbt_seed", bash_command="dbt seed")
