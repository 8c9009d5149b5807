from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

REGIONS = ["eu", "us"]

for region in REGIONS:
    # The region was meant to be part of the id.
    with DAG("regional_build", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
        BashOperator(task_id="dbt_build", bash_command=f"dbt build -s tag:{region}")
    globals()[f"regional_build_{region}"] = dag
