import pendulum
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("assets", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC")):
    EmptyOperator(task_id="noop")
