"""Push customer segments from the warehouse to the CRM every morning."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.sensors.external_task import ExternalTaskSensor

WAREHOUSE_PATH = "/opt/airflow/data/acme.duckdb"
CRM_CONN_ID = "crm_api"
BATCH_SIZE = 500

SEGMENTS_SQL = """
    select customer_id, email, customer_segment, lifetime_value, region
    from finance.dim_customers
    where email is not null
"""

default_args = {
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "retry_exponential_backoff": True,
    "email": ["crm-ops@acme.example"],
    "email_on_failure": True,
}


def push_segments(**context):
    """Upsert every customer's segment and lifetime value as CRM contact properties."""
    import duckdb
    from airflow.providers.http.hooks.http import HttpHook

    with duckdb.connect(WAREHOUSE_PATH, read_only=True) as con:
        rows = con.execute(SEGMENTS_SQL).fetchall()

    crm = HttpHook(method="POST", http_conn_id=CRM_CONN_ID)
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        crm.run(
            endpoint="/v3/contacts/batch/upsert",
            json={
                "inputs": [
                    {
                        "idProperty": "email",
                        "id": email,
                        "properties": {
                            "acme_customer_id": customer_id,
                            "acme_segment": segment,
                            "acme_lifetime_value": float(lifetime_value),
                            "acme_region": region,
                        },
                    }
                    for customer_id, email, segment, lifetime_value, region in batch
                ]
            },
        )
    context["ti"].log.info("Pushed %d customers to the CRM", len(rows))


with DAG(
    dag_id="crm_reverse_etl",
    description="Customer segments from dim_customers to the CRM",
    schedule="0 8 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["reverse-etl", "crm"],
):
    wait_for_finance = ExternalTaskSensor(
        task_id="wait_for_finance",
        external_dag_id="finance_daily",
        external_task_id="dbt_build_finance",
        execution_delta=timedelta(hours=2),
        mode="reschedule",
        poke_interval=300,
        timeout=2 * 60 * 60,
    )

    push_customer_segments = PythonOperator(
        task_id="push_customer_segments",
        python_callable=push_segments,
    )

    wait_for_finance >> push_customer_segments
