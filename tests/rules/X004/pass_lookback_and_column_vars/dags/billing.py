from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("billing", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run", bash_command="dbt run --select fct_usage")
