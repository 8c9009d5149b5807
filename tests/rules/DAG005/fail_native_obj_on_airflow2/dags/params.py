from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def load(rows):
    pass


with DAG(
    "load_rows",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    default_args={"owner": "ingest", "render_template_as_native_obj": True},
):
    PythonOperator(task_id="load", python_callable=load, op_kwargs={"rows": "{{ dag_run.conf['rows'] }}"})
