from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dbt_nightly", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="run", bash_command="dbt run --select tag:daily config.materialized:incremental")
    BashOperator(task_id="build", bash_command="dbt build --resource-type model --resource-type seed")
