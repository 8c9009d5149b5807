from datetime import datetime, timedelta

DEFAULT_ARGS = {
    "owner": "analytics",
    "start_date": datetime(2024, 1, 1),
    "retries": 2,
    "max_active_runs": 1,
    "tags": ["dbt"],
}
