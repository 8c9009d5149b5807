from datetime import datetime
from pathlib import Path

from airflow import DAG
from airflow.operators.bash import BashOperator
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig

DBT_ROOT = Path("/usr/local/airflow/dbt")

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    freshness = BashOperator(
        task_id="dbt_source_freshness",
        bash_command="cd /usr/local/airflow/dbt && dbt source freshness --profiles-dir .",
    )
    models = DbtTaskGroup(
        group_id="payments",
        project_config=ProjectConfig(
            DBT_ROOT,
            # Written by `dbt parse` in the image build.
            manifest_path=DBT_ROOT / "target" / "manifest.json",
        ),
        # Written at deployment from a secret.
        profile_config=ProfileConfig(
            profile_name="payments",
            target_name="prod",
            profiles_yml_filepath=DBT_ROOT / "profiles.yml",
        ),
        execution_config=ExecutionConfig(dbt_project_path=str(DBT_ROOT)),
        render_config=RenderConfig(select=["tag:daily"], dbt_project_path=DBT_ROOT),
    )
    relative = BashOperator(
        task_id="dbt_build_relative",
        bash_command="dbt build --project-dir dbt --select tag:daily",
    )
    freshness >> models >> relative
