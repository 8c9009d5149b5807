from airflow import DAG
from airflow.operators.bash import BashOperator

from settings import DEFAULT_ARGS

with DAG("support_daily", schedule="@daily", catchup=False, max_active_runs=3, tags=["dbt", "support"], default_args=DEFAULT_ARGS):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:support")
