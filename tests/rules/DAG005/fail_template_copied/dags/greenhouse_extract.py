from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

from alerts import slack_failed_task

# Default arguments for the DAG
default_args = {
    "depends_on_past": False,
    "on_failure_callback": slack_failed_task,
    "owner": "data-engineering",
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
    "start_date": datetime(2023, 5, 10),
    "dagrun_timeout": timedelta(hours=6),
}

dag = DAG("greenhouse_extract", default_args=default_args, schedule="0 */2 * * *", catchup=False)

KubernetesPodOperator(
    task_id="greenhouse-extract",
    name="greenhouse-extract",
    image="registry.example.com/extract:latest",
    arguments=["python greenhouse/src/execute.py"],
    dag=dag,
)
