from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProjectConfig, ProfileConfig, RenderConfig
from cosmos.constants import LoadMode, SourceRenderingBehavior

project_config = ProjectConfig(
    dbt_project_path="/usr/local/airflow/dbt",
    manifest_path="/usr/local/airflow/dbt/target/manifest.json",
)
profile_config = ProfileConfig(
    profile_name="payments",
    target_name="prod",
    profiles_yml_filepath="/usr/local/airflow/dbt/profiles.yml",
)

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="payments",
        project_config=project_config,
        profile_config=profile_config,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            select=["+tag:daily"],
            # Each source gets a task running `dbt source freshness` before its models.
            source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
        ),
    )
