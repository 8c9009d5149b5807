from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

VARS = '{"start_date": "2024-01-01", "end_date": "{{ macros.datetime.utcnow() }}"}'

with DAG("events", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    BashOperator(task_id="dbt_run_events", bash_command="dbt run --select fct_events --vars '" + VARS + "'")
