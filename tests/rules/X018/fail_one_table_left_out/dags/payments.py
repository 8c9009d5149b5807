from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

DBT = "cd /usr/local/airflow/dbt && dbt"

with DAG("payments_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    freshness = BashOperator(
        task_id="dbt_source_freshness",
        # `refunds` was added to the source later and never to this selection.
        bash_command=f"{DBT} source freshness --select source:stripe.charges source:crm",
    )
    build = BashOperator(task_id="dbt_build", bash_command=f"{DBT} build --select tag:daily")
    freshness >> build
