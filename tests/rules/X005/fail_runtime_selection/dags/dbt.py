from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from include.dbt import dbt_command

with DAG("adhoc_dbt", schedule=None, start_date=datetime(2024, 1, 1), params={"models": "tag:daily"}):
    BashOperator(task_id="run_models", bash_command="dbt run --select {{ params.models }}")
    BashOperator(task_id="run_helper", bash_command=dbt_command("run", "tag:daily"))
