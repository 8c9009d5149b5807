from datetime import datetime
from functools import partial

from airflow.decorators import dag, task

from alerts import notify_slack


@dag(
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    default_args={"owner": "marketing", "retries": 2},
    on_failure_callback=partial(notify_slack, channel="#marketing-data"),
)
def marketing_daily():
    @task.bash
    def dbt_build():
        return "dbt build -s tag:marketing"

    dbt_build()


marketing_daily()
