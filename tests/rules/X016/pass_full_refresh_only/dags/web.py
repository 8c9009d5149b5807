from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# Rebuilt from scratch every night: the incremental filter never applies.
with DAG("web", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_rebuild", bash_command="dbt run --full-refresh --select fct_page_views fct_sessions")
