import os
from pathlib import Path

import airflow  # noqa: F401
from gusty import create_dag

# Every subfolder is a DAG: the folders are listed when Airflow imports this file.
for child in Path(__file__).parent.iterdir():
    if child.is_dir() and not str(child).endswith("__"):
        dag_id = os.path.basename(child)
        globals()[dag_id] = create_dag(str(child), latest_only=False)
