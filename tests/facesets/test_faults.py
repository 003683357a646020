"""Faults beyond a killed worker, with the real servers `make test` starts: PostgreSQL restarted during an enrolment
and during a search, Redis restarted during an enrolment and during a search. No face is lost or stored twice, a
caller gets its answer or a clear error it can retry, and the same worker carries on without being restarted."""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connections

from facesets.models import FaceSetMember, Task, TaskItem
from facesets.services import library, projects
from facesets.services.tasks import task_submit, task_wait

pytestmark = pytest.mark.slow
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
ALL_FORMATS = ["JPEG", "PNG", "BMP", "WEBP"]


@pytest.fixture(scope="module")
def servers():
    """The embedded PostgreSQL and Redis of scripts/services.py (skipped when the suite runs on external servers)."""
    if os.environ.get("DATABASE_URL") or os.environ.get("CELERY_BROKER_URL", "").startswith(("amqp", "sqs")):
        pytest.skip("the suite runs on servers it did not start: they are not restarted by a test")
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location("facelib_services_faults", SCRIPTS / "services.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        from servicelib.redis_server import Redis

        yield {"postgres": module.Postgres(), "redis": Redis()}
    finally:
        sys.path.remove(str(SCRIPTS))


def _photos(shared_data, count: int) -> list[Path]:
    return sorted((shared_data / "people").glob("person*/*.jpg"))[:count]


def _enrolment(name: str, shared_data, count: int = 20):
    project = projects.project_get_or_create(name=name)
    face_set = library.face_set_create(project=project, name=name)
    photos = _photos(shared_data, count)
    task = task_submit(
        project=project,
        kind="face_set.enrol",
        params={"face_set": face_set.pk, "single": True, "formats": ALL_FORMATS},
        items=[
            {"name": p.name, "payload": p.read_bytes(), "params": {"external_image_id": f"photo-{i}"}}
            for i, p in enumerate(photos)
        ],
    )
    return face_set, task, len(photos)


def _wait_for_progress(task, done: int = 2) -> None:
    deadline = time.monotonic() + 180
    while Task.objects.get(pk=task.pk).done < done:
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.05)


def _restart_postgres(servers) -> None:
    connections.close_all()
    servers["postgres"].stop()
    time.sleep(1)
    servers["postgres"].start()
    connections.close_all()


def _assert_everything_enrolled_once(face_set, task, count: int) -> None:
    task = task_wait(task=task, timeout=400)
    assert task.status == Task.Status.DONE, (task.status, task.done, count)
    assert TaskItem.objects.filter(task=task, status=Task.Status.DONE).count() == count
    face_set.refresh_from_db()
    members = FaceSetMember.objects.filter(face_set=face_set).select_related("face")
    assert face_set.face_count == members.count() == count
    assert sorted(m.face.external_image_id for m in members) == sorted(f"photo-{i}" for i in range(count))


def test_postgres_restarted_during_an_enrolment(worker, shared_data, servers):
    face_set, task, count = _enrolment("pg-restart", shared_data)
    _wait_for_progress(task)
    _restart_postgres(servers)
    assert Task.objects.get(pk=task.pk).done < count, "the restart came too late to test anything"
    _assert_everything_enrolled_once(face_set, task, count)


def test_redis_restarted_during_an_enrolment(worker, shared_data, servers):
    face_set, task, count = _enrolment("redis-restart", shared_data)
    _wait_for_progress(task)
    servers["redis"].stop()
    time.sleep(1)
    servers["redis"].start()
    assert Task.objects.get(pk=task.pk).done < count, "the restart came too late to test anything"
    _assert_everything_enrolled_once(face_set, task, count)


def _search_across(name: str, shared_data, restart, tolerated: type[Exception]) -> tuple[dict, object]:
    """A search started just before ``restart`` runs: what it ended with (its hits, or an error of ``tolerated``),
    and a function searching again with the same photo."""
    from facesets.services.runs import face_search_run, face_set_enrol_run

    project = projects.project_get_or_create(name=name)
    face_set = library.face_set_create(project=project, name=name)
    photos = _photos(shared_data, 2)
    face_set_enrol_run(face_set=face_set, image=photos[0].read_bytes(), single=True)
    outcome: dict = {}

    def again():
        return face_search_run(project=project, face_set=face_set, image=photos[1].read_bytes(), limit=3)

    def search() -> None:
        try:
            outcome["hits"] = again()
        except tolerated as error:
            outcome["error"] = error
        finally:
            connections.close_all()

    searcher = threading.Thread(target=search)
    searcher.start()
    time.sleep(0.05)
    restart()
    searcher.join(timeout=300)
    assert not searcher.is_alive()
    return outcome, again


def test_postgres_restarted_during_a_search(worker, shared_data, servers, settings):
    """A search whose wait spans the restart answers, or fails with a database error a client can retry (the
    dialects answer it as a retryable 503); the next search, on the same worker and web process, succeeds."""
    from django.db import DatabaseError

    outcome, again = _search_across("pg-search", shared_data, lambda: _restart_postgres(servers), DatabaseError)
    assert "hits" in outcome or isinstance(outcome.get("error"), DatabaseError), outcome
    hits = again().hits
    assert hits and hits[0].face.external_image_id


def test_redis_restarted_during_a_search(worker, shared_data, servers):
    """A search goes through Redis with no task row (services.calls): one whose call or reply the restart took answers
    with a Timeout a client can retry (or its hits, when it was answered first); the next search, on the same worker
    and web process, succeeds."""
    from facesets.exceptions import Timeout

    def restart() -> None:
        servers["redis"].stop()
        time.sleep(1)
        servers["redis"].start()

    outcome, again = _search_across("redis-search", shared_data, restart, Timeout)
    assert "hits" in outcome or isinstance(outcome.get("error"), Timeout), outcome
    deadline = time.monotonic() + 120
    while True:  # the worker reconnects to its broker on its own
        try:
            hits = again().hits
            break
        except Timeout:
            assert time.monotonic() < deadline, "searches did not recover after Redis came back"
    assert hits and hits[0].face.external_image_id
