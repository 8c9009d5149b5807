"""Daily build of the product marts: catalogue, sold order lines and price history."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor

DBT_PROJECT_DIR = "/opt/airflow/dbt"
DBT_BUILD = "dbt build --project-dir " + DBT_PROJECT_DIR + " --profiles-dir " + DBT_PROJECT_DIR
INTERVAL_VARS = '{"start_date": "{{ data_interval_start | ds }}", "end_date": "{{ data_interval_end | ds }}"}'


def notify_product_analytics(context):
    """Post the failed task to #product-analytics."""
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

    ti = context["task_instance"]
    SlackWebhookHook(slack_webhook_conn_id="slack_product_analytics").send(
        text=f":warning: {ti.dag_id}.{ti.task_id} failed for {context['ds']}: {ti.log_url}"
    )


default_args = {
    "owner": "product-analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=15),
    "on_failure_callback": notify_product_analytics,
}

with DAG(
    dag_id="product_daily",
    description="Product catalogue, sold order lines and weekly price history",
    schedule="30 6 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["dbt", "product"],
):
    wait_for_staging = ExternalTaskSensor(
        task_id="wait_for_staging",
        external_dag_id="staging_hourly",
        external_task_id="dbt_build_staging",
        # This run's data interval ends at 06:30 UTC: wait for the staging run of 05:00-06:00.
        execution_date_fn=lambda logical_date, **_: logical_date + timedelta(hours=22, minutes=30),
        mode="reschedule",
        poke_interval=300,
        timeout=3 * 60 * 60,
    )

    # The price history is cheap enough to rebuild with the daily models.
    dbt_build_product = BashOperator(
        task_id="dbt_build_product",
        bash_command=DBT_BUILD
        + ' --select "tag:product_daily tag:prodcut_weekly"'
        + " --vars '" + INTERVAL_VARS + "'",
        env={"DBT_TARGET": "prod"},
        append_env=True,
    )

    wait_for_staging >> dbt_build_product
