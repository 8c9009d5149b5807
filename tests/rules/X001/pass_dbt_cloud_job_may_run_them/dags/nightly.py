import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.dbt.cloud.operators.dbt import DbtCloudRunJobOperator

with DAG(
    dag_id="nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    staging = BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
    # The marts job is defined in dbt Cloud: what it selects is not in this repository.
    marts = DbtCloudRunJobOperator(task_id="marts_job", job_id=48617, check_interval=60)
    staging >> marts
