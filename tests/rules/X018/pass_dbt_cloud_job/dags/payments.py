from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.providers.dbt.cloud.operators.dbt import DbtCloudRunJobOperator

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    build = BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:daily")
    # The dbt Cloud job's steps (maybe `dbt source freshness`) are not in this repository.
    checks = DbtCloudRunJobOperator(task_id="source_checks", job_id=48213)
    build >> checks
