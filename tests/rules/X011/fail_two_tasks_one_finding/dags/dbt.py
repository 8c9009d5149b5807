from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("staging", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_staging", bash_command="dbt build --select tag:staging")

# Two tasks read the staging models; one sensor on `staging` would order both.
with DAG("marts", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_build_orders", bash_command="dbt build --select fct_orders")
    BashOperator(task_id="dbt_build_customers", bash_command="dbt build --select dim_customers")
