"""Daily build of the marketing marts (sessions, campaigns) with astronomer-cosmos."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.sensors.external_task import ExternalTaskSensor
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

default_args = {
    "owner": "marketing-analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "email": ["marketing-analytics@acme.example"],
    "email_on_failure": True,
}

dag = DAG(
    dag_id="marketing_daily",
    description="Sessions, campaigns and campaign performance",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["dbt", "marketing", "cosmos"],
)

wait_for_staging = ExternalTaskSensor(
    task_id="wait_for_staging",
    external_dag_id="staging_hourly",
    external_task_id="dbt_build_staging",
    # This run's data interval ends at 07:00 UTC: wait for the staging run of 06:00-07:00.
    execution_delta=timedelta(hours=-23),
    mode="reschedule",
    poke_interval=300,
    timeout=3 * 60 * 60,
    dag=dag,
)

marketing = DbtTaskGroup(
    group_id="marketing",
    project_config=ProjectConfig(
        "/opt/airflow/dbt",
        manifest_path="/opt/airflow/dbt/target/manifest.json",
    ),
    profile_config=ProfileConfig(
        profile_name="acme",
        target_name="prod",
        profiles_yml_filepath="/opt/airflow/dbt/profiles.yml",
    ),
    execution_config=ExecutionConfig(
        dbt_executable_path="/home/airflow/.local/bin/dbt",
    ),
    render_config=RenderConfig(
        select=["tag:marketing_daily"],
        load_method=LoadMode.DBT_MANIFEST,
    ),
    operator_args={"install_deps": False},
    dag=dag,
)

wait_for_staging >> marketing
