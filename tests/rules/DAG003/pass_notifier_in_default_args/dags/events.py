from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import send_slack_notification
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "events",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": send_slack_notification(
        slack_conn_id="slack", text="{{ ti.task_id }} failed", channel="#data-alerts"
    ),
}

with DAG("events_hourly", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), default_args=default_args):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:events")
