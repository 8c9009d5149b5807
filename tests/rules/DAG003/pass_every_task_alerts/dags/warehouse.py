from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup
from cosmos import DbtTaskGroup, ProjectConfig, RenderConfig

from alerts import page_on_call


with DAG("warehouse", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "analytics"}):
    start = EmptyOperator(task_id="start")
    with TaskGroup("staging", default_args={"on_failure_callback": page_on_call}):
        staging = BashOperator(task_id="dbt_staging", bash_command="dbt build -s staging")
    marts = DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig("/usr/local/airflow/dbt"),
        render_config=RenderConfig(select=["path:models/marts"]),
        operator_args={"on_failure_callback": page_on_call},
    )
    publish = BashOperator(task_id="publish", bash_command="python publish.py", email=["bi@example.com"])
    start >> staging >> marts >> publish
