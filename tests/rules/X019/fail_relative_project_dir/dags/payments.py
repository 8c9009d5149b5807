from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(
        task_id="dbt_build",
        # The project is in `dbt/`, not `transform/`.
        bash_command="dbt build --project-dir transform --select tag:daily",
    )
