from datetime import datetime, timedelta

DEFAULT_ARGS = {
    "owner": "data-platform",
    "start_date": datetime(2024, 1, 1),
    "retry_delay": timedelta(minutes=10),
}
