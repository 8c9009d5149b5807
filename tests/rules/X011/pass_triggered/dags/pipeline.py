from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    build = BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
    build >> TriggerDagRunOperator(task_id="trigger_marts", trigger_dag_id="marts")

with DAG("marts", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
