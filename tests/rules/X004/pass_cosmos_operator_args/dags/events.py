from datetime import datetime

from airflow import DAG
from cosmos import DbtTaskGroup, ProfileConfig, ProjectConfig, RenderConfig

interval_vars = {"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}

with DAG("events", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    DbtTaskGroup(
        group_id="daily",
        project_config=ProjectConfig("/usr/local/airflow/dbt", dbt_vars={"start_date": "2020-01-01"}),
        profile_config=ProfileConfig(profile_name="shop", target_name="prod", profiles_yml_filepath="/usr/local/airflow/dbt/profiles.yml"),
        render_config=RenderConfig(select=["tag:daily"]),
        # operator_args vars win over ProjectConfig.dbt_vars.
        operator_args={"vars": interval_vars, "install_deps": True},
    )
