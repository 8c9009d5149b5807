from datetime import datetime, timedelta

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup
from cosmos import DbtTaskGroup, ProjectConfig, RenderConfig

with DAG(
    "warehouse",
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "analytics-engineering"},
):
    start = EmptyOperator(task_id="start")

    with TaskGroup("staging", default_args={"retries": 3, "retry_delay": timedelta(minutes=2)}):
        BashOperator(task_id="dbt_staging", bash_command="dbt build -s staging")

    marts = DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig("/usr/local/airflow/dbt"),
        render_config=RenderConfig(select=["path:models/marts"]),
        operator_args={"retries": 2},
    )

    @task(retries=1)
    def notify():
        pass

    start >> marts >> notify()
