from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

connection = BaseHook.get_connection("hubspot_api")

with DAG("ingest_hubspot", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False):
    KubernetesPodOperator(
        task_id="extract",
        name="extract-hubspot",
        image="registry.example.com/extract:latest",
        env_vars={"API_HOST": connection.host},
    )
