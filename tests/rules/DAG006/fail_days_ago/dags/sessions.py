from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.utils.dates import days_ago

with DAG("web_sessions", schedule="@hourly", start_date=days_ago(2), catchup=False, default_args={"owner": "web"}):
    BashOperator(task_id="dbt_run", bash_command="dbt run -s tag:sessions")
