import json
from datetime import datetime

import requests
from airflow import DAG
from airflow.decorators import task
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from cosmos import DbtTaskGroup, ExecutionConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode


def refresh_partners():
    token = Variable.get("partners_token")
    return requests.get("https://partners.example.com/api", headers={"token": token}).json()


with open("/opt/airflow/dags/config/teams.yml") as config:
    TEAMS = config.read().split()

with DAG("warehouse", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    partners = PythonOperator(task_id="partners", python_callable=refresh_partners)

    @task
    def check_connection():
        return BaseHook.get_connection("snowflake").host

    marts = DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig(
            "/opt/airflow/dbt", manifest_path="/opt/airflow/dbt/target/manifest.json"
        ),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST, select=["path:models/marts"]),
        execution_config=ExecutionConfig(dbt_executable_path="/opt/airflow/venv/bin/dbt"),
    )
    report = BashOperator(task_id="report", bash_command="dbt run -s tag:report --target {{ var.value.dbt_target }}")
    partners >> check_connection() >> marts >> report

if __name__ == "__main__":
    print(json.dumps(requests.get("https://partners.example.com/api").json()))
