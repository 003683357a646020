"""Celery tasks of the library. Thin: load ids, call a service, retry what a restart can cure.

Their names stay "recognition.tasks.*", where they were first defined, so messages already queued under those names
(and the beat schedule) still find them."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError

logger = logging.getLogger(__name__)

RETRYABLE = (OperationalError, InterfaceError)


@shared_task(
    name="recognition.tasks.process_item",
    bind=True,
    # The item's row holds its outcome; a copy in the result backend (a Redis key per photo for 24 h) had no reader.
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE,
    retry_backoff=1,
    retry_backoff_max=60,
    max_retries=20,
)
def process_item(self, item_pk: int) -> str:
    """Process one stored task item (idempotent: a redelivered message finds the item done and stops)."""
    from .services.tasks import task_item_fail, task_item_process

    return _recorded(
        lambda: task_item_process(item_pk=item_pk),
        lambda message: task_item_fail(item_pk=item_pk, code="internal_error", message=message),
        f"task item {item_pk}",
    )


def _recorded(work, fail, what: str) -> str:
    """Run the work; what a restart can cure (RETRYABLE) goes back to Celery to retry, any other failure (a bug, an
    engine failure) is recorded through ``fail`` instead of being redelivered forever."""
    try:
        return work()
    except RETRYABLE:
        raise
    except Exception as error:
        logger.exception("%s failed", what)
        fail(f"{type(error).__name__}: {error}")
        return "failed"


@shared_task(
    name="facesets.tasks.process_call",
    bind=True,
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE,
    retry_backoff=1,
    retry_backoff_max=5,
    max_retries=5,
)
def process_call(self, call_id: str) -> str:
    """Run one synchronous call that stores nothing (services.calls); its caller waits for the reply in Redis."""
    from .services.calls import call_fail, call_process

    return _recorded(
        lambda: call_process(call_id=call_id),
        lambda message: call_fail(call_id=call_id, code="internal_error", message=message),
        f"call {call_id}",
    )


@shared_task(name="recognition.tasks.purge_expired")
def purge_expired() -> dict:
    """Remove detected faces that were never added anywhere once they expire, and finished tasks after 24 h."""
    from datetime import timedelta

    from .services.faces import expired_purge
    from .services.tasks import task_items_requeue, tasks_purge

    result = expired_purge()
    result["tasks"] = tasks_purge()
    # Items left behind by a worker that died while the broker kept no copy of their message.
    result["requeued"] = task_items_requeue(older_than=timedelta(minutes=30))
    return result


@shared_task(
    name="recognition.tasks.build_face_set_index",
    ignore_result=True,
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=5,
    max_retries=5,
)
def build_face_set_index(face_set_pk: int) -> str:
    """Give a grown face set its own HNSW index (see facesets.search)."""
    from .services.search_index import face_set_index_ensure

    return face_set_index_ensure(face_set_pk=face_set_pk)


@shared_task(
    name="facesets.tasks.refresh_face_set_graph",
    ignore_result=True,
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=5,
    max_retries=5,
)
def refresh_face_set_graph(face_set_pk: int, rebuild: bool = False) -> dict:
    """Write a face set's in-process graph file anew, in step with the database (see facesets.search); `rebuild`
    from scratch."""
    from .services.search_index import face_set_graph_refresh

    return face_set_graph_refresh(face_set_pk=face_set_pk, rebuild=rebuild)


@shared_task(name="facesets.tasks.vacuum_erased", ignore_result=True, acks_late=True)
def vacuum_erased() -> None:
    """VACUUM the tables an erasure removed rows from (services.lifecycle.erased_rows_vacuum)."""
    from .services.lifecycle import erased_rows_vacuum

    erased_rows_vacuum()


@worker_ready.connect
def _requeue_unfinished(**_: object) -> None:
    """A worker that starts picks up what a killed worker left unfinished (processing is idempotent)."""
    from .services.tasks import task_items_requeue

    try:
        task_items_requeue()
    except DatabaseError:
        logger.exception("could not re-queue unfinished task items")
