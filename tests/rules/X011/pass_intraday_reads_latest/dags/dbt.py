from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")

# Every hour the marts are rebuilt from the latest staging tables, whichever day's they are.
with DAG("marts_hourly", schedule="30 * * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
