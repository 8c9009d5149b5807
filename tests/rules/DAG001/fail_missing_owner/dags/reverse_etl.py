from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator

default_args = {"retries": 3, "retry_delay": timedelta(minutes=5)}


def push_segments():
    pass


with DAG("crm_sync", schedule="@daily", start_date=datetime(2024, 1, 1), default_args=default_args, catchup=False):
    PythonOperator(task_id="push", python_callable=push_segments)

with DAG("crm_cleanup", schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False, default_args={**default_args, "owner": "airflow"}):
    PythonOperator(task_id="cleanup", python_callable=push_segments)

dag = DAG("crm_backfill", schedule=None, start_date=datetime(2024, 1, 1))
PythonOperator(task_id="backfill", python_callable=push_segments, dag=dag)

with DAG("crm_segments", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args={**default_args, "owner": "crm-team"}):
    PythonOperator(task_id="segments", python_callable=push_segments)
