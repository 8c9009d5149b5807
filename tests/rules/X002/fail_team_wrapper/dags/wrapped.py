from datetime import datetime

from acme_airflow.dbt import dbt_task
from acme_airflow.operators import DbtRunOperator
from airflow import DAG

with DAG("wrapped", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    daily = dbt_task("dbt_build_daily", "build --select tag:daly")
    hourly = dbt_task("dbt_build_hourly", ["dbt", "build", "--select", "tag:hourly"])
    legacy = DbtRunOperator(task_id="dbt_run_legacy", command=["run", "-s", "tag:legcy"])
    daily >> hourly >> legacy
