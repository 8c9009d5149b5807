from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

default_args = {
    "catchup": False,
    "depends_on_past": False,
    "owner": "data-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
    "start_date": datetime(2019, 1, 1),
}

dag = DAG("snowflake_permissions", default_args=default_args, schedule="0 0 * * *")

KubernetesPodOperator(
    task_id="grant",
    name="grant",
    image="registry.example.com/permifrost:latest",
    cmds=["permifrost", "run", "roles.yml"],
    dag=dag,
)
