from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

with DAG("marketing", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig("/usr/local/airflow/dbt", manifest_path="/usr/local/airflow/dbt/target/manifest.json"),
        profile_config=ProfileConfig(profile_name="shop", target_name="prod", profiles_yml_filepath="/usr/local/airflow/dbt/profiles.yml"),
        render_config=RenderConfig(
            # Cosmos keeps each element whole: this is one selector, not two.
            select=["tag:daily tag:hourly"],
            load_method=LoadMode.DBT_MANIFEST,
        ),
    )
