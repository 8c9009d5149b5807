from datetime import datetime, timedelta

from airflow.decorators import dag, task


@dag(schedule=timedelta(hours=6), start_date=datetime(2024, 1, 1), default_args={"owner": "bi"})
def reporting_refresh():
    @task.bash
    def dbt_build():
        return "dbt build -s tag:reporting"

    dbt_build()


reporting_refresh()
