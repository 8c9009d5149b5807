from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

# When the orders land, everything built from them is refreshed.
with DAG("orders_landing", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_orders", bash_command="dbt run --select source:raw.orders+")

# The mart again in the morning, from whatever staging holds by then.
with DAG("orders_mart", schedule="0 7 * * *", start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator(task_id="dbt_run_mart", bash_command="dbt run --select fct_orders")
