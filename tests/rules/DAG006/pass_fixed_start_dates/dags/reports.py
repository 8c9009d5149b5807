from datetime import datetime

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("reports", schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="Europe/Paris"), catchup=False):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:reports")

with DAG("adhoc_refresh", schedule=None, start_date=datetime.now()):
    BashOperator(task_id="dbt_run", bash_command="dbt run --full-refresh")

with DAG("weekly", schedule="@weekly", default_args={"start_date": datetime(2024, 1, 1)}, catchup=False):
    BashOperator(task_id="snapshot", bash_command="dbt snapshot", start_date=datetime(2024, 1, 1))
