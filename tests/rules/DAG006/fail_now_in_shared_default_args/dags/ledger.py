from airflow import DAG
from airflow.operators.bash import BashOperator

from config import DEFAULT_ARGS

with DAG("ledger", schedule="30 2 * * *", catchup=False, default_args=DEFAULT_ARGS):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:ledger")
