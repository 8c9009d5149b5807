from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")

# The marts read the staging models; an hour is usually enough for staging to finish.
with DAG("marts", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
