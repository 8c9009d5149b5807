from airflow import DAG
from airflow.operators.bash import BashOperator

from settings import DEFAULT_ARGS

with DAG("finance_daily", schedule="@daily", catchup=False, default_args=DEFAULT_ARGS):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:finance")
