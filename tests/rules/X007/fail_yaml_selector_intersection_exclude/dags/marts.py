from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

PROJECT = ProjectConfig(
    "/usr/local/airflow/dags/dbt",
    manifest_path="/usr/local/airflow/dags/dbt/target/manifest.json",
)
PROFILE = ProfileConfig(profile_name="shop", target_name="prod", profiles_yml_filepath="/usr/local/airflow/dags/dbt/profiles.yml")

with DAG("marts_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="marts",
        project_config=PROJECT,
        profile_config=PROFILE,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            selector="daily_without_events",
        ),
    )
