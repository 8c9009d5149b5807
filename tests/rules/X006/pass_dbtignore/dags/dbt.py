# The project's .dbtignore hides its Python package files from dbt: the manifest
# built by `dbt parse` is current.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build --project-dir /opt/dbt --select marts")
