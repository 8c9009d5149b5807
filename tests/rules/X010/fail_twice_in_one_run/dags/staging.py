from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("staging_hourly", schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False):
    run_staging = BashOperator(task_id="dbt_run_staging", bash_command="dbt run --select tag:staging")
    # `stg_orders+` starts with stg_orders itself, which the task above just built.
    build_orders = BashOperator(task_id="dbt_build_orders", bash_command="dbt build --select stg_orders+")
    run_staging >> build_orders
