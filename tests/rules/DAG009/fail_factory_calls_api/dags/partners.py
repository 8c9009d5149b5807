from datetime import datetime

import requests
from airflow.decorators import dag, task


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False)
def partner_feeds():
    # Runs whenever Airflow parses this file, not when the DAG runs.
    partners = requests.get("https://partners.example.com/api/active").json()
    for partner in partners:
        @task(task_id=f"load_{partner}")
        def load():
            pass

        load()


partner_feeds()
