import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

# The models are built by dbt Cloud; Airflow only runs the tests after the load.
with DAG(
    dag_id="quality",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    BashOperator(task_id="dbt_test", bash_command="dbt test --select tag:daily")
