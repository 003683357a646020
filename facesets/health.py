"""GET /healthz: is every part FaceLib needs up? 200 when all are, 503 naming what is down.

Checks: the database (SELECT 1 and the pgvector extension), the broker (a kombu connection), the worker and its
model (the task recognition.tasks.health_check, answered by a worker of the main queue), and a worker consuming each
of the two other queues, video liveness and the reviews (Celery's active_queues broadcast: a worker's main process
answers it even while its processes are busy, so a review running for minutes does not read as "down"). The answer
is cached for FACELIB_HEALTH_CACHE_SECONDS (2 s) so that monitors polling it cannot hammer the services.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

HEALTH_TASK = "recognition.tasks.health_check"

_cache_lock = threading.Lock()
_cached: tuple[float, int, dict[str, Any]] | None = None


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one check: its result with `ok`, `detail` and `latency_ms`, an exception turned into a failure."""
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # noqa: BLE001 - any failure of a dependency is a "down", never a 500
        result = {"ok": False, "detail": f"{type(error).__name__}: {error}".strip()}
    result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _check_database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute(
            "SELECT current_setting('server_version'), (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
        )
        server_version, vector_version = cursor.fetchone()
    if vector_version is None:
        return {"ok": False, "detail": f"PostgreSQL {server_version} without the pgvector extension"}
    return {"ok": True, "detail": f"PostgreSQL {server_version}, pgvector {vector_version}"}


def _check_broker() -> dict[str, Any]:
    from kombu import Connection

    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return {"ok": True, "detail": f"connected to {broker.transport_cls} at {broker.hostname}:{broker.port}"}


def _call_health_task(timeout: float) -> dict[str, Any]:
    """Ask a worker for its model; raises celery's TimeoutError when no worker answers in time."""
    import config.celery  # noqa: F401 - the configured Celery app must be the current one

    # A message no worker took in time must not run later (or pile up): it expires.
    options: dict[str, Any] = {"expires": max(2 * timeout, 10)}
    queue = getattr(settings, "FACELIB_HEALTH_QUEUE", None)
    if queue:
        options["queue"] = queue
    try:
        from recognition.tasks import health_check
    except ImportError:  # not importable here: a worker may still know it by name
        result = config.celery.app.send_task(HEALTH_TASK, **options)
    else:
        result = health_check.apply_async(**options)
    try:
        return result.get(timeout=timeout, disable_sync_subtasks=False)
    finally:
        result.forget()


def _check_worker_and_model(broker_up: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both from one round trip to a worker: no worker means no model either, each with its reason."""
    if not broker_up:
        reason = "the broker is down, so no worker can be reached"
        return {"ok": False, "detail": reason, "latency_ms": 0.0}, {"ok": False, "detail": reason, "latency_ms": 0.0}
    from celery.exceptions import TimeoutError as CeleryTimeoutError

    timeout = _setting("FACELIB_HEALTH_TIMEOUT", 5)
    started = time.perf_counter()
    try:
        answer = _call_health_task(timeout)
    except CeleryTimeoutError:
        detail = f"no worker answered {HEALTH_TASK} within {timeout:g}s"
        worker = {"ok": False, "detail": detail}
        model = {"ok": False, "detail": "unknown: " + detail}
    except Exception as error:  # noqa: BLE001 - the worker answered with an error: it is up, its model is not
        worker = {"ok": True, "detail": "a worker answered"}
        model = {"ok": False, "detail": f"{type(error).__name__}: {error}".strip()}
    else:
        worker = {"ok": True, "detail": "a worker answered"}
        answer = answer if isinstance(answer, dict) else {}
        name, dimensions = answer.get("model"), answer.get("dimensions")
        if name and dimensions:
            model = {
                "ok": True,
                "detail": f"{name} ({dimensions}-d), detector {answer.get('detector') or '?'}",
                "name": name,
                "dimensions": dimensions,
                "detector": answer.get("detector"),
            }
        else:
            model = {"ok": False, "detail": f"the worker reported no model: {answer!r}"}
    latency = round((time.perf_counter() - started) * 1000, 1)
    worker["latency_ms"] = model["latency_ms"] = latency
    return worker, model


# The queues besides the main one that need a worker of their own kind: check name -> (setting, what it runs).
QUEUE_CHECKS = {
    "liveness_worker": ("FACELIB_LIVENESS_QUEUE", "video liveness"),
    "reviews_worker": ("FACELIB_REVIEW_QUEUE", "the reviews"),
}
QUEUES_TIMEOUT = 2.0  # the longest wait for the workers' answers (at most FACELIB_HEALTH_TIMEOUT)


class _Covered(Exception):
    """Every queue looked for has a worker: stop waiting for more answers."""


def _queue_consumers(queues: set[str], timeout: float) -> dict[str, list[str]]:
    """The workers consuming each of `queues` (queue -> worker names), from the answers to Celery's active_queues
    broadcast: it returns as soon as every queue has one, else when no answer came for `timeout` seconds."""
    import config.celery

    app = config.celery.app
    consumers: dict[str, list[str]] = {}

    def answered(reply: dict) -> None:
        for node, consumed in (reply or {}).items():
            for queue in consumed or []:
                name = queue.get("name") if isinstance(queue, dict) else None
                if name in queues:
                    consumers.setdefault(name, []).append(node)
        if queues <= set(consumers):
            raise _Covered

    # A connection of its own: stopping early (an exception out of kombu's wait) leaves no pooled connection with a
    # consumer behind.
    with app.connection_for_write() as connection, contextlib.suppress(_Covered):
        app.control.broadcast("active_queues", connection=connection, reply=True, timeout=timeout, callback=answered)
    return consumers


def _check_queues(broker_up: bool) -> dict[str, dict[str, Any]]:
    """Per QUEUE_CHECKS entry: is a worker consuming that queue?"""
    queues = {name: getattr(settings, setting) for name, (setting, _) in QUEUE_CHECKS.items()}
    if not broker_up:
        reason = "the broker is down, so no worker can be reached"
        return {name: {"ok": False, "detail": reason, "latency_ms": 0.0} for name in queues}
    timeout = min(QUEUES_TIMEOUT, _setting("FACELIB_HEALTH_TIMEOUT", 5))
    started = time.perf_counter()
    try:
        consumers = _queue_consumers(set(queues.values()), timeout)
        failure = None
    except Exception as error:  # noqa: BLE001 - a broker that fails the broadcast: no worker is known
        consumers, failure = {}, f"{type(error).__name__}: {error}".strip()
    latency = round((time.perf_counter() - started) * 1000, 1)
    checks = {}
    for name, queue in queues.items():
        nodes = sorted(set(consumers.get(queue, [])))
        if nodes:
            detail = f"{', '.join(nodes)} consume{'s' if len(nodes) == 1 else ''} {queue!r}"
        else:
            detail = failure or f"no worker consumes {queue!r} ({QUEUE_CHECKS[name][1]}) within {timeout:g}s"
        checks[name] = {"ok": bool(nodes), "detail": detail, "latency_ms": latency}
    return checks


def health_report() -> tuple[int, dict[str, Any]]:
    """Run every check: (HTTP status, body)."""
    checks: dict[str, dict[str, Any]] = {
        "database": _timed(_check_database),
        "broker": _timed(_check_broker),
    }
    checks["worker"], checks["model"] = _check_worker_and_model(checks["broker"]["ok"])
    checks.update(_check_queues(checks["broker"]["ok"]))
    down = [name for name, check in checks.items() if not check["ok"]]
    body = {
        "status": "degraded" if down else "ok",
        "down": down,
        "checks": checks,
        "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return (503 if down else 200), body


def reset_cache() -> None:
    global _cached
    with _cache_lock:
        _cached = None


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    global _cached
    ttl = _setting("FACELIB_HEALTH_CACHE_SECONDS", 2)
    # One check at a time per process: callers arriving meanwhile get its answer from the cache.
    with _cache_lock:
        if _cached is not None and ttl > 0 and time.monotonic() - _cached[0] < ttl:
            status, body = _cached[1], _cached[2]
        else:
            status, body = health_report()
            _cached = (time.monotonic(), status, body)
    if not (request.user.is_authenticated and request.user.is_staff):
        # Anonymous callers (load balancers, monitors) learn whether it is up and what is down; the versions,
        # addresses and latencies are for signed-in staff.
        body = {key: body[key] for key in ("status", "down", "checked_at") if key in body}
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response
