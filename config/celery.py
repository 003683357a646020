"""The Celery application: configuration comes from Django settings with the CELERY_ prefix."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("facelib")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A worker with a role (scripts/services.py starts the liveness and reviews workers without -Q) consumes the queue of
# its role only.
ROLE_QUEUES = {"liveness": "FACELIB_LIVENESS_QUEUE", "reviews": "FACELIB_REVIEW_QUEUE"}
if os.environ.get("FACELIB_WORKER_ROLE") in ROLE_QUEUES:
    from django.conf import settings

    app.conf.task_default_queue = getattr(settings, ROLE_QUEUES[os.environ["FACELIB_WORKER_ROLE"]])


@task_prerun.connect
@task_postrun.connect
def _database_connections(task=None, **_: object) -> None:
    """Keep a worker's database connection from task to task, as Django does from request to request: close it only
    when it failed or is older than CONN_MAX_AGE. (Celery's own handling, turned off by CELERY_DB_REUSE_MAX, closes it
    around every task: a new connection and a cold server backend, with empty catalogue caches, for each photo.)"""
    if task is not None and getattr(task.request, "is_eager", False):
        return  # an eager task runs inside its caller's transaction
    from django.db import close_old_connections

    close_old_connections()
