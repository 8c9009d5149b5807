from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

from common import DEFAULT_ARGS

with DAG("customers_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args=DEFAULT_ARGS):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")
