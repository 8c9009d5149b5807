from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig

# The dbt project used to live in `payments_dbt/`; it is `dbt/` now.
DBT_PROJECT_DIR = "/usr/local/airflow/payments_dbt"

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    freshness = BashOperator(
        task_id="dbt_source_freshness",
        bash_command=f"dbt source freshness --project-dir {DBT_PROJECT_DIR} --profiles-dir {DBT_PROJECT_DIR}",
    )
    models = DbtTaskGroup(
        group_id="payments",
        project_config=ProjectConfig(
            manifest_path=f"{DBT_PROJECT_DIR}/target/manifest.json",
        ),
        profile_config=ProfileConfig(
            profile_name="payments",
            target_name="prod",
            profiles_yml_filepath="/usr/local/airflow/dbt/profiles.yml",
        ),
        render_config=RenderConfig(select=["tag:daily"]),
    )
    freshness >> models
