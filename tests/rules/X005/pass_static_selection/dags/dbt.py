from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("adhoc_dbt", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="run_models", bash_command="dbt run --select tag:daily --target {{ var.value.dbt_target }}")
    BashOperator(task_id="notify", bash_command="echo done")
