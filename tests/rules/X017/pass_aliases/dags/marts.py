from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "Analytics Engineering"}):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")
