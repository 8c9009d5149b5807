from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator

from alerts import notify

default_args = {
    "owner": "marketing",
    "start_date": datetime(2024, 1, 1),
    "end_date": datetime(2026, 1, 1),
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "params": {"full_refresh": Param(False, type="boolean")},
    "on_failure_callback": notify,
    "doc_md": "Runs a dbt model of the marketing mart.",
    "pool": "dbt",
    # Rendered natively by each task on Airflow 3.
    "render_template_as_native_obj": True,
}

with DAG("marketing", schedule="@daily", catchup=False, default_args=default_args):
    BashOperator(task_id="dbt_build", bash_command="dbt build -s tag:marketing")
