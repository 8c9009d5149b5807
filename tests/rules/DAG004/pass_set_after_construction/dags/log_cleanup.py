"""Deletes task logs older than the retention period."""
from datetime import datetime

from airflow.models import DAG
from airflow.operators.bash import BashOperator

DAG_ID = "airflow_log_cleanup"

dag = DAG(DAG_ID, schedule="@daily", start_date=datetime(2021, 1, 1), default_args={"owner": "platform"})
if hasattr(dag, "doc_md"):
    dag.doc_md = __doc__
if hasattr(dag, "catchup"):
    dag.catchup = False

BashOperator(task_id="cleanup", bash_command="find /opt/airflow/logs -mtime +30 -delete", dag=dag)
