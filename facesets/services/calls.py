"""Synchronous calls whose work stores nothing lasting (jobs.JobParams.transient: a search, a detection, a
comparison), handed to a worker through Redis with no task row.

A stored task costs a synchronous call two inserts and a commit in the web process, two reads, two updates and a
commit in the worker, and a notification and a read to wake the waiting request (bench/REPORT.md, issue 16: ~10 ms
of a 40-60 ms answer). A call of a transient kind needs none of it: nothing is kept that a retry would not make
again, and a caller who gave up has nothing to collect. So the web process puts the call (its kind, project,
parameters and photo) under one Redis key, queues a Celery message carrying only the call's id, and waits on the
reply list with BLPOP; the worker runs the same operation as for a stored task and pushes its outcome there.

What stays as it was:
- inference only in workers, bounded waits (FACELIB_SYNC_TIMEOUT);
- a worker lost mid-call: the message is redelivered (late ack) and the call, still under its key, runs again
  within the caller's wait; the key goes only once the reply is pushed;
- a call whose caller stopped waiting is not run at all (its deadline is in the key): a backlog does not spend the
  workers on answers nobody reads;
- Redis lost mid-call: the caller gets a Timeout it can retry (as a photo lost from the cache did before).
Calls that must stay collectable after the wait (SenseTime's 202 answers), photos when the cache is not Redis, and
every job that stores something go through stored tasks (services.tasks).
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction

from .. import timing
from ..exceptions import DomainError, NotFound, Timeout
from ..models import Project, Task, TaskItem
from .jobs import SCHEMAS, JobParams

logger = logging.getLogger(__name__)

KEY = "facelib:call:{}"  # a hash: "call" (JSON: kind, project, params, deadline) and "photo" (bytes)
REPLY = "facelib:call:{}:reply"  # a list the worker pushes the outcome to (JSON)
REPLY_SECONDS = 60  # how long an unread reply is kept (the caller left just as it came)
GRACE_SECONDS = 5  # a call's key outlives its deadline by this much, for a worker that took it just before


@lru_cache(maxsize=1)
def _redis(url: str):
    """A client of the cache's Redis without the cache's 2 s socket timeout (a BLPOP blocks for the whole wait)."""
    import redis

    return redis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=settings.FACELIB_SYNC_TIMEOUT + GRACE_SECONDS
    )


def calls_available() -> bool:
    """Whether synchronous calls can go through Redis: the cache is Redis (else stored tasks carry them)."""
    return str(settings.FACELIB_CACHE_URL).startswith(("redis://", "rediss://"))


def client():
    return _redis(settings.FACELIB_CACHE_URL)


def calls_run(
    *,
    project: Project,
    kind: str,
    params: dict,
    payloads: Sequence[bytes | None],
    timeout: float,
    what: str = "the work",
) -> list[dict | DomainError] | None:
    """Run one transient job over each photo, in parallel in the workers through Redis, and wait: per photo its result
    or the DomainError it met. Timeout when not every answer came in ``timeout`` seconds; None when Redis did not take
    the calls (the caller uses a stored task instead)."""
    from .tasks import queue_for

    call_ids = [uuid.uuid4().hex for _ in payloads]
    deadline = time.time() + timeout
    call = {"kind": kind, "project": project.pk, "params": params, "deadline": deadline}
    if timing.active():
        call["timed"] = True  # the worker times its stages too and sends them back (Server-Timing)
    call = json.dumps(call)
    redis = client()
    try:
        with timing.stage("call-store"), redis.pipeline() as pipe:
            for call_id, payload in zip(call_ids, payloads, strict=True):
                pipe.hset(KEY.format(call_id), mapping={"call": call, "photo": payload or b""})
                pipe.expire(KEY.format(call_id), int(timeout) + GRACE_SECONDS + 1)
            pipe.execute()
    except Exception as error:  # Redis down or refusing (redis-py's errors are its own): a stored task carries it
        logger.warning("a synchronous call went to a stored task, Redis did not take it: %s", type(error).__name__)
        return None
    from ..tasks import process_call

    # The wait is timed on the same wall clock as its parts (timed in the worker), from the same two instants: from
    # the message's sending (a worker may start on it before the sending returns) until the last reply came in, so
    # that the parts of one call's wait add up to it.
    queued = time.time()
    arrivals: list[float] = []
    try:
        for call_id in call_ids:
            process_call.apply_async((call_id,), queue=queue_for(kind))
        return _replies(redis, call_ids, deadline, what, queued, arrivals)
    finally:
        last = arrivals[-1] if len(arrivals) == len(call_ids) else time.time()  # else: a timeout, or Redis lost
        timing.add("call-wait", (last - queued) * 1000.0)


def _replies(
    redis, call_ids: list[str], deadline: float, what: str, queued: float, arrivals: list[float]
) -> list[dict | DomainError]:
    """Wait for the calls' replies (BLPOP until the deadline): per call its result or its DomainError. Each reply's
    arrival (wall clock) is appended to `arrivals`."""
    from .tasks import domain_error_from

    waiting = {REPLY.format(call_id).encode(): position for position, call_id in enumerate(call_ids)}
    outcomes: list[dict | DomainError | None] = [None] * len(call_ids)
    while waiting:
        try:
            reply = redis.blpop(list(waiting), timeout=max(0.01, deadline - time.time()))
        except Exception as error:
            logger.warning("a synchronous call's reply was lost with Redis: %s", type(error).__name__)
            reply = None
        if reply is None:
            try:
                redis.delete(*(KEY.format(call_ids[position]) for position in waiting.values()))
            except Exception:
                pass  # they expire; a worker that has not taken one yet will not run it either way
            raise Timeout(f"{what} did not finish in time; send the request again")
        arrived = time.time()
        arrivals.append(arrived)
        outcome = json.loads(reply[1])
        position = waiting.pop(reply[0])
        if outcome.get("timing"):
            _timing_add(outcome["timing"], queued, arrived)
        if outcome["status"] == Task.Status.DONE:
            outcomes[position] = outcome["result"]
        else:
            details = outcome.get("details") or {}
            outcomes[position] = domain_error_from(outcome["error_code"], outcome["error_message"], details)
    return outcomes


def call_run(*, project: Project, kind: str, params: dict, payload: bytes | None, timeout: float) -> dict | None:
    """calls_run for one photo: its result, or its DomainError raised."""
    outcomes = calls_run(project=project, kind=kind, params=params, payloads=[payload], timeout=timeout)
    if outcomes is None:
        return None
    if isinstance(outcomes[0], DomainError):
        raise outcomes[0]
    return outcomes[0]


def call_process(*, call_id: str) -> str:
    """Run a call in this worker and push its outcome for the waiting request. Returns what happened."""
    redis = client()
    stored = redis.hgetall(KEY.format(call_id))
    if not stored:
        return "missing"  # answered already (a redelivered message), or its caller stopped waiting
    call = json.loads(stored[b"call"])
    if time.time() > float(call["deadline"]):
        redis.delete(KEY.format(call_id))
        return "abandoned"
    if call.get("timed"):  # its stages go back with the answer (Server-Timing)
        started = time.time()
        with timing.recording() as stages:
            outcome = _outcome(call, stored)
        outcome["timing"] = {"started": started, "finished": time.time(), "stages": stages}
    else:
        outcome = _outcome(call, stored)
    _reply(call_id, outcome)
    return outcome["status"]


def _timing_add(worker: dict, queued: float, arrived: float) -> None:
    """A timed call's hand-offs and its worker's stages, as this request's (wall clocks of one host, or of hosts kept
    in step: a negative hand-off counts as 0)."""
    stages = [(str(name), float(ms)) for name, ms in worker.get("stages") or []]
    timing.add("wait-pickup", (worker["started"] - queued) * 1000.0)  # the message through the broker to a worker
    for name, ms in stages:
        timing.add(f"worker-{name}", ms)
    ran = (worker["finished"] - worker["started"]) * 1000.0
    timing.add("worker-other", ran - sum(ms for _, ms in stages))
    timing.add("wait-return", (arrived - worker["finished"]) * 1000.0)  # the reply back through Redis


def _outcome(call: dict, stored: dict) -> dict[str, Any]:
    from .tasks import OPERATIONS, error_outcome

    kind = call["kind"]
    outcome: dict[str, Any]
    try:
        params: JobParams = SCHEMAS[kind].parse(call["params"])
        # The same operation as a stored task's, on a task and an item that are never saved. The task holds only the
        # project's id: an operation that needs the row reads it (a search needs only the id: one query less).
        task = Task(project_id=call["project"], kind=kind, params=call["params"], total=1)
        item = TaskItem(task=task, position=0, params={}, payload=stored.get(b"photo") or None)
        try:
            with contextlib.nullcontext() if params.reads_only else transaction.atomic():
                result = OPERATIONS[kind](task, item, params)
        except Project.DoesNotExist:
            raise NotFound("the project was deleted before the work ran") from None
        outcome = {"status": Task.Status.DONE, "result": result}
    except DomainError as error:
        code, message, details = error_outcome(error)
        outcome = {"status": Task.Status.FAILED, "error_code": code, "error_message": message, "details": details}
    return outcome


def call_fail(*, call_id: str, code: str, message: str) -> None:
    """Answer a call that cannot be processed (an unexpected error): its caller hears it now, not at its deadline
    (or, with Redis gone, at its deadline as a Timeout)."""
    try:
        _reply(call_id, {"status": Task.Status.FAILED, "error_code": code, "error_message": message[:2000]})
    except Exception:
        logger.warning("call %s: its failure could not be answered, Redis is unreachable", call_id)


def _reply(call_id: str, outcome: dict) -> None:
    with client().pipeline() as pipe:
        pipe.rpush(REPLY.format(call_id), json.dumps(outcome))
        pipe.expire(REPLY.format(call_id), REPLY_SECONDS)
        pipe.delete(KEY.format(call_id))
        pipe.execute()
