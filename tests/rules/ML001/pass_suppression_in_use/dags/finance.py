from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("finance", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    # Selects models of a tag added in the next release; kept on purpose.
    # monolint: ignore[selector-matches-nothing]
    BashOperator(task_id="dbt_build_next", bash_command="dbt build --select tag:next_release")
    BashOperator(
        task_id="dbt_build_daily",
        bash_command="dbt build --select tag:daily tag:weekly",  # monolint: ignore[X002] tag:weekly comes next week
    )
