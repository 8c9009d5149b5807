from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule="@hourly", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "ingest"})
def ingest_events():
    @task
    def load():
        pass

    load()


@dag(schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, default_args={"owner": "ingest"})
def ingest_accounts():
    @task
    def load():
        pass

    load()


ingest_events()
ingest_accounts()
