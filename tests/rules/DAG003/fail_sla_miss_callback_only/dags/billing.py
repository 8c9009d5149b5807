from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

from alerts import slack_sla_missed

with DAG(
    "billing_extract",
    schedule="0 */2 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    sla_miss_callback=slack_sla_missed,
    default_args={"owner": "billing", "retries": 1, "sla": timedelta(hours=4)},
):
    KubernetesPodOperator(
        task_id="extract",
        name="extract",
        image="registry.example.com/extract:latest",
        cmds=["python", "extract.py"],
    )
