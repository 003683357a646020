"""Background tasks: submit work, process it in a worker exactly once, wait for it with a bounded timeout.

Work that stores something (an enrolment, a training), or that its caller may collect later, becomes a Task with one
or more TaskItems stored in PostgreSQL, and a Celery message per item carrying only the item's id. A worker processes
an item inside one transaction that also marks it done, so:
- a worker killed mid-item rolls back; the message is redelivered (late ack) or re-queued when a worker starts, and
  the item is done once, never twice (the row lock + status check make redelivery a no-op);
- a web request that must answer synchronously waits on the task row with a timeout, and when the budget runs out
  the task carries on; its id is what SenseTime's 202 answer and the dashboard's task page show;
- a synchronous call whose work stores nothing lasting (jobs.JobParams.transient: a search, a detection, a
  comparison) needs no row at all: services.calls hands it to a worker through Redis; it comes here only when it
  must stay collectable after the wait, or Redis is not there to carry it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import Error as DjangoDatabaseError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..exceptions import DomainError, Timeout
from ..models import Project, Task, TaskItem
from ..models.tasks import outcome_key
from .audit import acting, actor_for_task, actor_from_task
from .jobs import SCHEMAS, JobParams

logger = logging.getLogger(__name__)

Operation = Callable[[Task, TaskItem, JobParams], dict]
OPERATIONS: dict[str, Operation] = {}
TASK_TTL = timedelta(hours=24)


def operation(kind: str) -> Callable[[Operation], Operation]:
    """Register the function that processes one item of tasks of this kind; it gets the item's parameters parsed by
    the kind's schema (services.jobs)."""
    if kind not in SCHEMAS:
        raise ValueError(f"no parameter schema for task kind {kind!r}")

    def register(function: Operation) -> Operation:
        OPERATIONS[kind] = function
        return function

    return register


def _error_classes() -> dict[str, type[DomainError]]:
    classes: dict[str, type[DomainError]] = {}
    pending = [DomainError]
    while pending:
        cls = pending.pop()
        classes.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return classes


def domain_error_from(code: str, message: str, details: dict | None = None) -> DomainError:
    """Rebuild the domain error a worker recorded, so the web side can raise it in its caller's dialect."""
    details = dict(details or {})
    field = details.pop("field", None)
    cls = _error_classes().get(code, DomainError)
    return cls(message, field=field, **details)


@transaction.atomic
def task_submit(
    *,
    project: Project,
    kind: str,
    items: list[dict[str, Any]],
    params: JobParams | dict | None = None,
    user=None,
) -> Task:
    """Store a task and its items and queue one message per item once the transaction commits.

    Each item is `{"name": str, "params": dict, "payload": bytes | None}`; the task's `params` and each item's are
    checked together against the kind's schema (ValueError), before anything is stored.
    """
    if kind not in OPERATIONS:
        raise ValueError(f"unknown task kind {kind!r}")
    params = params.to_json() if isinstance(params, JobParams) else dict(params or {})
    for item in items:
        SCHEMAS[kind].parse({**params, **(item.get("params") or {})})
    task = Task.objects.create(
        project=project, kind=kind, params=params, total=len(items), created_by=user, actor=actor_for_task()
    )
    rows = [
        TaskItem(
            task=task,
            position=position,
            name=item.get("name", "")[:512],
            params=item.get("params") or {},
            payload=item.get("payload"),
        )
        for position, item in enumerate(items)
    ]
    TaskItem.objects.bulk_create(rows)
    item_pks = [row.pk for row in rows]
    transaction.on_commit(lambda: _enqueue(item_pks, kind))
    return task


def _payload_key(item_pk: int) -> str:
    return f"task-payload:{int(item_pk)}"


def _payload_cached(item: TaskItem) -> None:
    """Give the item its photo from the cache, where the release before services.calls held the photos of synchronous
    calls (items it queued may meet a worker of this one); removed from there once the item's transaction commits.
    Timeout when the cache lost it."""
    key = _payload_key(item.pk)
    try:
        payload = cache.get(key)
    except Exception:  # the cache is down: the photo is out of reach either way
        payload = None
    if payload is None:
        raise Timeout("the photo was no longer held when a worker took the work; send the request again")
    item.payload = payload

    def forget() -> None:
        try:
            cache.delete(key)
        except Exception:
            pass  # it expires on its own

    transaction.on_commit(forget)


# Kinds whose items go to a queue of their own (and its worker), not the default one.
QUEUES = {
    "video.liveness": "FACELIB_LIVENESS_QUEUE",
    "identities.review": "FACELIB_REVIEW_QUEUE",
    "thresholds.calibrate": "FACELIB_REVIEW_QUEUE",
    "faces.cluster": "FACELIB_REVIEW_QUEUE",
}


def queue_for(kind: str) -> str:
    return getattr(settings, QUEUES[kind]) if kind in QUEUES else settings.CELERY_TASK_DEFAULT_QUEUE


def _enqueue(item_pks: list[int], kind: str) -> None:
    from ..tasks import process_item

    queue = queue_for(kind)
    for item_pk in item_pks:
        process_item.apply_async((item_pk,), queue=queue)


def task_item_process(*, item_pk: int) -> str:
    """Process one item exactly once. Returns the item's final status."""
    started = timezone.now()
    item = TaskItem.objects.select_related("task").defer("payload").filter(pk=item_pk).first()
    if item is None:
        return "missing"
    if item.status in (Task.Status.DONE, Task.Status.FAILED):
        return item.status
    single = item.task.total == 1
    if not single:  # a task of one item (every synchronous call) is shown processing only once it is done
        Task.objects.filter(pk=item.task_id, status=Task.Status.PENDING).update(
            status=Task.Status.PROCESSING, started=started
        )
    with transaction.atomic():
        # Lock the item row only ("of self"): a plain FOR UPDATE over the join would lock its task and project too, for
        # the whole inference, and serialise every worker of a project (bench/REPORT.md, enrolment).
        item = TaskItem.objects.select_for_update(of=("self",)).select_related("task", "task__project").get(pk=item_pk)
        if item.status in (Task.Status.DONE, Task.Status.FAILED):
            return item.status
        try:
            if item.payload_cached:
                _payload_cached(item)
            # The changes are recorded as made by whoever queued the task (the audit log), not by "the worker".
            with transaction.atomic(), acting(actor_from_task(item.task.actor)):
                params = SCHEMAS[item.task.kind].parse({**item.task.params, **item.params})
                result = OPERATIONS[item.task.kind](item.task, item, params)
            item.status, item.result = Task.Status.DONE, result
        except DomainError as error:
            item.status = Task.Status.FAILED
            item.error_code, item.error_message, item.result = error_outcome(error)
        item.payload = None
        item.save(update_fields=["status", "result", "error_code", "error_message", "payload"])
        if single:
            # A task of one item finishes in the item's own transaction: one commit less before the waiting request
            # is woken.
            Task.objects.filter(pk=item.task_id).update(
                done=1, started=started, finished=timezone.now(), **_ended_as(item)
            )
            _notify_finished(item.task_id)
            return item.status
        Task.objects.filter(pk=item.task_id).update(done=F("done") + 1)
    _task_finish_if_complete(item.task_id)
    return item.status


def error_outcome(error: DomainError) -> tuple[str, str, dict]:
    """A worker's DomainError as it travels back to the web side (code, message, details with its field), the
    reverse of domain_error_from."""
    return error.code, error.message, {"field": error.field, **_jsonable(error.details)}


def _jsonable(details: dict) -> dict:
    return {key: value for key, value in details.items() if isinstance(value, (str, int, float, bool, type(None)))}


def _ended_as(item: TaskItem) -> dict:
    """What a task of one item records at its end: the item's own outcome."""
    return {
        "status": item.status,
        "result": item.result,
        "error_code": item.error_code,
        "error_message": item.error_message,
    }


def _task_finish_if_complete(task_pk: int) -> None:
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_pk)
        if task.status in (Task.Status.DONE, Task.Status.FAILED):
            return
        if task.items.filter(status__in=[Task.Status.PENDING, Task.Status.PROCESSING]).exists():
            return
        items = list(task.items.all())
        if len(items) == 1:
            for name, value in _ended_as(items[0]).items():
                setattr(task, name, value)
        else:
            task.status = Task.Status.DONE
            outcomes: dict[str, int] = {}
            for item in items:
                key = outcome_key(item.status, item.error_code)
                outcomes[key] = outcomes.get(key, 0) + 1
            task.result = {"outcomes": outcomes}
        task.finished = timezone.now()
        task.save()
        _notify_finished(task.pk)


# A finished task is announced on a PostgreSQL channel of its own (delivered when the finishing transaction commits),
# so a request waiting for it wakes at once instead of polling.
def _channel(task_pk: int) -> str:
    return f"facelib_task_{int(task_pk)}"


def _notify_finished(task_pk: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [_channel(task_pk)])


def _listen(task_pk: int):
    """Start listening for the task's notification on this request's connection; the raw connection, or None where
    notifications cannot arrive (another database, or inside a transaction, where LISTEN waits for the commit)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'LISTEN "{_channel(task_pk)}"')
    return connection.connection


def _unlisten(task_pk: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'UNLISTEN "{_channel(task_pk)}"')
    except DjangoDatabaseError:
        pass  # a broken connection listens to nothing any more


# Set once a notification has woken a wait in this process: they arrive here, so later waits read the row only as a
# backstop (NOTIFIED_BACKSTOP), not every 5-50 ms (that polling was a third of a web process's CPU per call).
_notifications_arrive = False
NOTIFIED_BACKSTOP = 0.25


def task_wait(*, task: Task, timeout: float | None = None) -> Task:
    """Wait until the task has finished or `timeout` seconds passed; returns the task as it stands. The worker's
    notification wakes the wait at once (PostgreSQL LISTEN/NOTIFY). Until a notification has been seen in this
    process, the task row is also read again after 5 ms, then at growing intervals up to 50 ms, so where one cannot
    arrive (another database, a transaction-pooling proxy) the wait costs no more than the polling it replaces; once
    one has, the row is read again every NOTIFIED_BACKSTOP seconds in case a notification is lost. A timeout of 0 or
    less does not wait at all: the task is returned as the caller holds it."""
    global _notifications_arrive
    timeout = settings.FACELIB_SYNC_TIMEOUT if timeout is None else timeout
    if timeout <= 0:
        return task  # no wait at all: the task as the caller holds it
    deadline = time.monotonic() + timeout
    delay = 0.005
    raw = _listen(task.pk)
    try:
        while True:
            task.refresh_from_db(fields=["status", "result", "error_code", "error_message", "done", "finished"])
            remaining = deadline - time.monotonic()
            if task.status in (Task.Status.DONE, Task.Status.FAILED) or remaining <= 0:
                return task
            if raw is not None:
                if _notifications_arrive:
                    delay = NOTIFIED_BACKSTOP
                with connection.wrap_database_errors:  # a lost server is Django's OperationalError, as elsewhere
                    for _ in raw.notifies(timeout=min(delay, remaining), stop_after=1):
                        _notifications_arrive = True
            else:
                time.sleep(min(delay, remaining))
            delay = min(delay * 1.5, 0.05)
    finally:
        if raw is not None:
            _unlisten(task.pk)


def task_result(task: Task) -> dict:
    """The result of a finished single-item task, or its domain error raised; Timeout when it has not finished."""
    if task.status == Task.Status.DONE:
        return task.result or {}
    if task.status == Task.Status.FAILED:
        raise domain_error_from(task.error_code, task.error_message, task.result)
    raise Timeout("the work did not finish in time; collect it later by its task id", task_id=task.task_id)


def task_run(
    *,
    project: Project,
    kind: str,
    params: JobParams | dict | None = None,
    payload: bytes | None = None,
    timeout: float | None = None,
    collectable: bool = False,
) -> dict:
    """Run one item of work in a worker and wait for its result (the synchronous path of the APIs).

    Work that stores nothing lasting goes through Redis without a task row (services.calls) unless the caller wants
    to collect it after the wait (``collectable``: its Timeout then carries the task id)."""
    from .calls import call_run, calls_available

    timeout = settings.FACELIB_SYNC_TIMEOUT if timeout is None else timeout
    if SCHEMAS[kind].transient and not collectable and calls_available():
        json_params = params.to_json() if isinstance(params, JobParams) else dict(params or {})
        SCHEMAS[kind].parse(json_params)
        result = call_run(project=project, kind=kind, params=json_params, payload=payload, timeout=timeout)
        if result is not None:
            return result
    task = task_submit(project=project, kind=kind, params=params, items=[{"payload": payload}])
    return task_result(task_wait(task=task, timeout=timeout))


STAGE_KEY = "facelib:task-stage:{}"
STAGE_EVERY = 0.5  # seconds between two reports of one stage


class StageReporter:
    """A worker's running account of a long item (facesets.progress): what it is doing and the fraction done. It is
    kept in the cache, not on the task row, which the item's own transaction holds until the end; a report that
    cannot be stored (the cache is down) is dropped, the work goes on."""

    def __init__(self, task: Task) -> None:
        self.key = STAGE_KEY.format(task.task_id)
        self.stage: str | None = None
        self.sent = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == self.stage and now - self.sent < STAGE_EVERY:
            return
        self.stage, self.sent = stage, now
        try:
            cache.set(self.key, {"stage": stage, "fraction": round(min(max(fraction, 0.0), 1.0), 3)}, 3600)
        except Exception:  # noqa: BLE001 - progress is a courtesy; the cache's own errors are its client's
            pass


def task_stage(task: Task) -> dict | None:
    """What the worker last said it was doing on a task of one item ({"stage", "fraction"}), None before it began
    (or where it is not told: the cache is not shared)."""
    if task.status in (Task.Status.DONE, Task.Status.FAILED):
        return None
    try:
        return cache.get(STAGE_KEY.format(task.task_id))
    except Exception:  # noqa: BLE001
        return None


def task_items_requeue(*, older_than: timedelta = timedelta(0)) -> int:
    """Queue again every unfinished item (after a worker or broker restart). Safe: processing is idempotent."""
    cutoff = timezone.now() - older_than
    rows = list(
        TaskItem.objects.filter(
            status__in=[Task.Status.PENDING, Task.Status.PROCESSING], task__created__lte=cutoff
        ).values_list("pk", "task__kind")
    )
    if rows:
        logger.info("re-queueing %d unfinished task items", len(rows))
        for kind in {kind for _, kind in rows}:
            _enqueue([pk for pk, of_kind in rows if of_kind == kind], kind)
    return len(rows)


def tasks_purge(*, now=None) -> int:
    """Delete finished tasks older than 24 h (SenseTime's task ids are valid 24 h)."""
    now = now or timezone.now()
    _, deleted = Task.objects.filter(
        Q(status__in=[Task.Status.DONE, Task.Status.FAILED]) & Q(created__lt=now - TASK_TTL)
    ).delete()
    return deleted.get("facesets.Task", 0)


def task_discard(*, task: Task) -> None:
    """Delete a task with its items (and so any payload still queued, a clip that must not be kept); one a worker holds
    right now is left to the hourly purge rather than waited for."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            Task.objects.filter(pk=task.pk).delete()
    except DjangoDatabaseError:
        pass


@transaction.atomic
def task_item_fail(*, item_pk: int, code: str, message: str) -> None:
    """Record an item that cannot be processed (an unexpected error that retries did not cure)."""
    updated = TaskItem.objects.filter(pk=item_pk, status__in=[Task.Status.PENDING, Task.Status.PROCESSING]).update(
        status=Task.Status.FAILED, error_code=code, error_message=message[:2000], payload=None
    )
    if updated:
        task_pk = TaskItem.objects.values_list("task_id", flat=True).get(pk=item_pk)
        Task.objects.filter(pk=task_pk).update(done=F("done") + 1)
        transaction.on_commit(lambda: _task_finish_if_complete(task_pk))
