import logging


def log_failure(context):
    logging.error("task %s failed", context["task_instance"].task_id)


def page_on_call(context):
    pass
