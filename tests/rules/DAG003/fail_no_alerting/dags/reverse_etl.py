from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def push_segments():
    pass


default_args = {
    "owner": "crm-team",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "on_success_callback": None,
}

with DAG("crm_sync", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args=default_args):
    PythonOperator(task_id="push", python_callable=push_segments)
