from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig

with DAG("marketing", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="marts",
        # No manifest_path: the default LoadMode.AUTOMATIC renders with `dbt ls`, so dbt reads
        # the selection and splits it on spaces.
        project_config=ProjectConfig("/usr/local/airflow/dbt"),
        profile_config=ProfileConfig(profile_name="shop", target_name="prod", profiles_yml_filepath="/usr/local/airflow/dbt/profiles.yml"),
        render_config=RenderConfig(select=["tag:daily tag:hourly"]),
    )
