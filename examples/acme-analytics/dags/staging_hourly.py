"""Hourly refresh of the staging and intermediate layers of the acme dbt project."""

from datetime import timedelta

import pendulum
from airflow.decorators import dag
from airflow.operators.bash import BashOperator

DBT_PROJECT_DIR = "/opt/airflow/dbt"
DBT_FLAGS = f"--project-dir {DBT_PROJECT_DIR} --profiles-dir {DBT_PROJECT_DIR}"


def notify_data_platform(context):
    """Post the failed task to #data-platform-alerts."""
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

    ti = context["task_instance"]
    SlackWebhookHook(slack_webhook_conn_id="slack_data_platform").send(
        text=f":red_circle: {ti.dag_id}.{ti.task_id} failed for {context['ds']}: {ti.log_url}"
    )


default_args = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": notify_data_platform,
}


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    dagrun_timeout=timedelta(minutes=50),
    tags=["dbt", "staging", "data-platform"],
)
def staging_hourly():
    source_freshness = BashOperator(
        task_id="dbt_source_freshness",
        bash_command=f"dbt source freshness {DBT_FLAGS}",
        env={"DBT_TARGET": "prod"},
        append_env=True,
    )

    build_staging = BashOperator(
        task_id="dbt_build_staging",
        bash_command=f"dbt build --select tag:staging tag:intermediate {DBT_FLAGS}",
        env={"DBT_TARGET": "prod"},
        append_env=True,
    )

    source_freshness >> build_staging


staging_hourly()
