from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")

with DAG("marts", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    wait = ExternalTaskSensor(
        task_id="wait_for_staging",
        external_dag_id="staging",
        external_task_id="dbt_build_staging",
        execution_delta=timedelta(hours=1),
    )
    wait >> BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
