import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="finance_daily",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:staging tag:daily")

# The hourly models were moved here while debugging a backfill, and never got a schedule back.
with DAG(
    dag_id="events_backfill",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    BashOperator(task_id="dbt_build_events", bash_command="dbt build --select tag:hourly")
