from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("finance", schedule="0 6 * * *", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    # The closing quote is misplaced: `-t prd` is read as two more selectors and the run
    # goes to the default target.
    BashOperator(task_id="dbt_build_daily", bash_command="dbt build -s 'tag:daily -t prd'")
    BashOperator(task_id="dbt_build_hourly", bash_command="dbt build -s 'tag:hourly' -t prd")
