import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="dbt_daily",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "analytics"},
):
    # No selection: dbt builds every enabled node.
    BashOperator(task_id="dbt_build", bash_command="cd /opt/dbt && dbt build")
