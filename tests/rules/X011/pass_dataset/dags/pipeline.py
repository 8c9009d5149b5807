from datetime import datetime

from airflow import DAG, Dataset
from airflow.operators.bash import BashOperator

STAGING = Dataset("dbt://analytics/staging")

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging", outlets=[STAGING])

with DAG("marts", schedule=[STAGING], start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
