from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dbt_nightly", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="run", bash_command="dbt run --select tags:daily")
    BashOperator(task_id="test", bash_command="dbt test --select version:newest")
    BashOperator(task_id="build", bash_command="dbt build --resource-type modle")
