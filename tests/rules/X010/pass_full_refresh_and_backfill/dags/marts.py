from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("marts_daily", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_marts", bash_command="dbt build --select tag:daily")

# A weekly rebuild from scratch is deliberate, not a second writer of the daily schedule.
with DAG("marts_rebuild", schedule="0 3 * * SUN", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_rebuild", bash_command="dbt run --full-refresh --select tag:daily")

# Run by hand for backfills.
with DAG("marts_backfill", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_backfill", bash_command="dbt run --select tag:daily --vars '{start_date: 2024-01-01}'")
