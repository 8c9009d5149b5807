from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator

# Each pipeline's id and schedule come from a Variable set per deployment.
options = Variable.get("ingest_daily", deserialize_json=True)

with DAG(
    f"ingest_{options['frequency']}_{options['source']}",
    schedule=options["cron"],
    start_date=datetime(2024, 1, 1),
    catchup=False,
):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")
