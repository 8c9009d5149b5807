from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# A weekly rebuild: with --full-refresh, `is_incremental()` is false and the window is unused.
with DAG("events_rebuild", schedule="@weekly", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_rebuild_events", bash_command="dbt run --full-refresh --select fct_events")
