"""Daily build of the finance marts (revenue, refunds, customers)."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor

DBT_DIR = "/opt/airflow/dbt"
INTERVAL_VARS = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'

default_args = {
    "owner": "finance-analytics",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "email": ["finance-analytics@acme.example"],
    "email_on_failure": True,
    "email_on_retry": False,
}


def last_staging_run(logical_date, **_):
    """The staging_hourly run that ends where this run's data interval ends (06:00 UTC)."""
    return logical_date + timedelta(hours=23)


with DAG(
    "finance_daily",
    description="Revenue, refunds and customer dimensions for the finance team",
    schedule="0 6 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["dbt", "finance"],
) as dag:
    wait_for_staging = ExternalTaskSensor(
        task_id="wait_for_staging",
        external_dag_id="staging_hourly",
        external_task_id="dbt_build_staging",
        execution_date_fn=last_staging_run,
        mode="reschedule",
        poke_interval=300,
        timeout=3 * 60 * 60,
    )

    dbt_build_finance = BashOperator(
        task_id="dbt_build_finance",
        bash_command=f"cd {DBT_DIR} && dbt build --select tag:finance_daily --vars '{INTERVAL_VARS}'",
        env={"DBT_TARGET": "prod"},
        append_env=True,
    )

    wait_for_staging >> dbt_build_finance
