from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

SOURCES = ["stripe", "hubspot", "zendesk"]

for source in SOURCES:
    with DAG(
        f"ingest_{source}",
        schedule="@hourly",
        start_date=datetime(2023, 6, 1),
        default_args={"owner": "ingest"},
    ):
        BashOperator(task_id="dbt_run", bash_command=f"dbt run -s source:{source}+")

with DAG("ingest_backfill", schedule=None, start_date=datetime(2023, 6, 1)):
    BashOperator(task_id="dbt_run", bash_command="dbt run --full-refresh -s source:*+")

with DAG("ingest_audit", schedule="@weekly", start_date=datetime(2023, 6, 1), catchup=True):
    BashOperator(task_id="dbt_test", bash_command="dbt test -s source:*")
