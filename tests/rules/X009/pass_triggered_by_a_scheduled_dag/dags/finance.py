import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator

with DAG(
    dag_id="finance_daily",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    build = BashOperator(task_id="dbt_build", bash_command="dbt build --select tag:staging tag:daily")
    build >> TriggerDagRunOperator(task_id="refresh_events", trigger_dag_id="events_refresh")

with DAG(
    dag_id="events_refresh",
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
):
    BashOperator(task_id="dbt_build_events", bash_command="dbt build --select tag:hourly")
