from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import LoadMode

with DAG("marts_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="marts",
        project_config=ProjectConfig(
            "/usr/local/airflow/dags/dbt",
            manifest_path="/usr/local/airflow/dags/dbt/target/manifest.json",
        ),
        profile_config=ProfileConfig(profile_name="shop", target_name="prod", profiles_yml_filepath="/usr/local/airflow/dags/dbt/profiles.yml"),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            # dbt reads a dotted fqn; Cosmos looks for one node of that name and finds none.
            # selector-matches-nothing reports it, not this rule.
            select=["marts.dim_customers"],
        ),
    )
