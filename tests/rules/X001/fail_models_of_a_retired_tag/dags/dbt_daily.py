# The team tags the models it stopped running `archived`: one finding for the tag.
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dbt_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         default_args={"owner": "analytics", "retries": 2}):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")
