from datetime import datetime

from airflow import DAG
from airflow.decorators import dag, task
from airflow.operators.python import PythonOperator

BASE_ARGS = {"retries": 3}
default_args = dict(BASE_ARGS, owner="crm-team")


def push_segments():
    pass


with DAG("crm_sync", schedule="@daily", start_date=datetime(2024, 1, 1), default_args=default_args, catchup=False):
    PythonOperator(task_id="push", python_callable=push_segments)

# Every task names its owner.
with DAG("crm_cleanup", schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False):
    PythonOperator(task_id="cleanup", python_callable=push_segments, owner="crm-team")

args = BASE_ARGS.copy()
args.update({"owner": "crm-team"})


@dag(schedule=None, start_date=datetime(2024, 1, 1), default_args=args)
def crm_backfill():
    @task
    def backfill():
        pass

    backfill()


crm_backfill()
