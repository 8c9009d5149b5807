import pendulum

START_DATE = pendulum.today("UTC").add(days=-1)

DEFAULT_ARGS = {
    "owner": "platform",
    "start_date": START_DATE,
    "retries": 1,
}
