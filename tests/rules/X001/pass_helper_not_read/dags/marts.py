import pendulum
from airflow.decorators import dag
from airflow.operators.bash import BashOperator

from acme_platform.dbt import DbtHelper


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False)
def marts():
    staging = BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")
    # A helper from an installed package builds the task group: its selection is not readable.
    marts = DbtHelper(env="prod").create_dbt_task_group(group_id="marts", select=["path:models/marts"])
    staging >> marts


marts()
