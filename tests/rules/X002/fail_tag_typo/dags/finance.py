from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

DBT = "dbt --no-write-json"

with DAG("finance", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    build = BashOperator(
        task_id="dbt_build_daily",
        bash_command=f"{DBT} build --select tag:daly --target prod",
    )
