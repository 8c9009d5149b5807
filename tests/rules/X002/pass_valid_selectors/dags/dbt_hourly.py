from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("dbt_hourly", schedule=timedelta(hours=1), start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="build",
        bash_command="dbt build -s 'tag:staging +fct_orders' source:raw+1 exposure:kpis --exclude old_report",
    )
