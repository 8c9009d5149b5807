import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="dbt_daily",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "analytics", "retries": 2},
):
    BashOperator(
        task_id="dbt_build",
        bash_command="dbt build --select tag:staging tag:daily",
    )
