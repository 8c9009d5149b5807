from datetime import timedelta

from airflow.providers.slack.notifications.slack import send_slack_notification

# Every DAG alerts the data channel on failure; nobody set an owner.
DEFAULT_ARGS = {
    "owner": "airflow",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "on_failure_callback": send_slack_notification(text="{{ dag.dag_id }} failed", channel="#data"),
}
