"""Enrolment of real photos through the service layer and a real Celery worker, and recognition of each person."""

from __future__ import annotations

import csv
import time
from collections import defaultdict

import pytest

from facesets.exceptions import FaceSetFull, ImageInvalid, InvalidFieldValue, NoFace
from facesets.models import Face, FaceSetMember, Task, TaskItem
from facesets.services import library, projects
from facesets.services.tasks import task_run, task_submit, task_wait

pytestmark = pytest.mark.django_db(transaction=True)
# One photo of the set (people/person03/img47.jpg) is a WebP file under a .jpg name.
ALL_FORMATS = ["JPEG", "PNG", "BMP", "WEBP"]


def _photos_by_person(shared_data):
    people = defaultdict(list)
    with open(shared_data / "labels.csv") as handle:
        for row in csv.DictReader(handle):
            people[row["person"]].append(shared_data / row["file"])
    return people


def test_every_person_is_found_first_with_another_photo(worker, shared_data):
    project = projects.project_get_or_create(name="enrol")
    face_set = library.face_set_create(project=project, name="people", field_schema={"person": "string"})
    people = _photos_by_person(shared_data)
    enrolled = {person: photos[0] for person, photos in people.items()}
    task = task_submit(
        project=project,
        kind="face_set.enrol",
        params={"face_set": face_set.pk, "single": True, "formats": ALL_FORMATS},
        items=[
            {
                "name": photo.name,
                "payload": photo.read_bytes(),
                "params": {"external_image_id": person, "external_fields": {"person": person}},
            }
            for person, photo in enrolled.items()
        ],
    )
    task = task_wait(task=task, timeout=300)
    assert task.status == Task.Status.DONE, task.result
    assert task.result == {"outcomes": {"done": len(enrolled)}}
    face_set.refresh_from_db()
    assert face_set.face_count == len(enrolled) == FaceSetMember.objects.filter(face_set=face_set).count()

    queries = [(person, photo) for person, photos in people.items() for photo in photos[1:]]
    assert len(queries) >= 40
    wrong = []
    for person, photo in queries:
        result = task_run(
            project=project,
            kind="search",
            params={"face_set": face_set.pk, "limit": 3, "formats": ALL_FORMATS},
            payload=photo.read_bytes(),
            timeout=120,
        )
        best = FaceSetMember.objects.select_related("face").get(pk=result["matches"][0]["member"])
        if best.face.external_image_id != person:
            wrong.append((photo.name, person, best.face.external_image_id))
    assert not wrong, f"wrong person first for {len(wrong)} of {len(queries)} queries: {wrong}"


def test_worker_killed_during_enrolment_loses_no_face(worker, shared_data):
    project = projects.project_get_or_create(name="crash")
    face_set = library.face_set_create(project=project, name="crash")
    photos = sorted(p for photos in _photos_by_person(shared_data).values() for p in photos)[:24]
    task = task_submit(
        project=project,
        kind="face_set.enrol",
        params={"face_set": face_set.pk, "single": True, "formats": ALL_FORMATS},
        items=[
            {"name": p.name, "payload": p.read_bytes(), "params": {"external_image_id": f"photo-{i}"}}
            for i, p in enumerate(photos)
        ],
    )
    deadline = time.monotonic() + 120
    while Task.objects.get(pk=task.pk).done < 2:
        assert time.monotonic() < deadline, "the worker made no progress"
        time.sleep(0.05)
    worker.kill()
    task.refresh_from_db()
    assert task.status != Task.Status.DONE and task.done < len(photos), "the kill came too late to test anything"
    worker.start()
    task = task_wait(task=task, timeout=300)
    assert task.status == Task.Status.DONE
    assert TaskItem.objects.filter(task=task, status=Task.Status.DONE).count() == len(photos)
    face_set.refresh_from_db()
    members = FaceSetMember.objects.filter(face_set=face_set).select_related("face")
    assert face_set.face_count == members.count() == len(photos)
    assert sorted(m.face.external_image_id for m in members) == sorted(f"photo-{i}" for i in range(len(photos)))


def test_a_worker_whose_database_connection_dropped_reconnects_and_loses_nothing(worker, shared_data):
    """Workers keep their database connection from task to task; one the server dropped (a restart) is replaced."""
    from django.db import connection

    project = projects.project_get_or_create(name="reconnect")
    face_set = library.face_set_create(project=project, name="reconnect")
    photos = sorted((shared_data / "people" / "person02").iterdir())[:2]
    params = {"face_set": face_set.pk, "single": True, "formats": ALL_FORMATS}
    task_run(project=project, kind="face_set.enrol", params=params, payload=photos[0].read_bytes(), timeout=120)
    with connection.cursor() as cursor:  # every other session of the test database, the worker's among them
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        assert cursor.fetchone()[0] >= 1
    task_run(project=project, kind="face_set.enrol", params=params, payload=photos[1].read_bytes(), timeout=120)
    face_set.refresh_from_db()
    assert face_set.face_count == FaceSetMember.objects.filter(face_set=face_set).count() == 2


def test_bad_input_is_refused_and_changes_nothing(worker, shared_data):
    project = projects.project_get_or_create(name="bad")
    face_set = library.face_set_create(project=project, name="bad", field_schema={"age": "integer"})
    params = {"face_set": face_set.pk}
    for path in sorted((shared_data / "invalid").iterdir()):
        with pytest.raises(ImageInvalid):
            task_run(project=project, kind="face_set.enrol", params=params, payload=path.read_bytes(), timeout=60)
    with pytest.raises(NoFace):
        task_run(
            project=project,
            kind="face_set.enrol",
            params=params,
            payload=(shared_data / "no_face" / "skimage_moon.png").read_bytes(),
            timeout=60,
        )
    photo = sorted((shared_data / "people" / "person02").iterdir())[0].read_bytes()
    with pytest.raises(InvalidFieldValue):
        task_run(
            project=project,
            kind="face_set.enrol",
            params={**params, "external_fields": {"age": "1.0f"}},
            payload=photo,
            timeout=60,
        )
    assert Face.objects.filter(project=project).count() == 0
    face_set.refresh_from_db()
    assert face_set.face_count == 0


def test_a_full_face_set_refuses_more_faces(worker, shared_data):
    project = projects.project_get_or_create(name="full")
    face_set = library.face_set_create(project=project, name="full", capacity=10_000)
    face_set.face_count = 10_000  # as if full: the capacity check reads the counter under a row lock
    face_set.save()
    photo = sorted((shared_data / "people" / "person02").iterdir())[0].read_bytes()
    with pytest.raises(FaceSetFull):
        task_run(project=project, kind="face_set.enrol", params={"face_set": face_set.pk}, payload=photo, timeout=60)
    assert Face.objects.filter(project=project).count() == 0


def test_detected_faces_expire_unless_kept(worker, shared_data):
    from django.utils import timezone

    from facesets.services.faces import expired_purge, face_set_add_faces

    project = projects.project_get_or_create(name="expiry")
    group_photo = (shared_data / "groups" / "face_recognition__two_people.jpg").read_bytes()
    result = task_run(project=project, kind="image.detect", params={"ttl_hours": 72}, payload=group_photo, timeout=120)
    assert len(result["faces"]) == 2
    faces = list(Face.objects.filter(face_id__in=result["faces"]).order_by("face_id"))
    assert all(face.expires is not None for face in faces)
    face_set = library.face_set_create(project=project, name="keep")
    face_set_add_faces(face_set=face_set, faces=faces[:1])
    purged = expired_purge(now=timezone.now() + timezone.timedelta(hours=73))
    assert purged["faces"] == 1
    assert list(Face.objects.filter(project=project)) == faces[:1]
    # The audit log says which faces went, and that no one but the expiry removed them.
    from facesets.models import AuditEvent

    expiry = AuditEvent.objects.get(project=project, action="faces.expire")
    assert (expiry.interface, expiry.details) == ("system", {"count": 1, "faces": [faces[1].face_id]})
    assert expired_purge(now=timezone.now() + timezone.timedelta(hours=73))["faces"] == 0
    assert AuditEvent.objects.filter(project=project, action="faces.expire").count() == 1  # nothing more to say


def _call_keys() -> list[bytes]:
    from facesets.services.calls import client

    return list(client().scan_iter(match="facelib:call:*"))


def test_a_synchronous_search_leaves_no_task_row_an_enrolment_keeps_its_own(worker, shared_data):
    project = projects.project_get_or_create(name="transient")
    face_set = library.face_set_create(project=project, name="staff")
    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    enrolled = task_run(project=project, kind="face_set.enrol", params={"face_set": face_set.pk}, payload=photo)
    found = task_run(project=project, kind="search", params={"face_set": face_set.pk}, payload=photo)
    assert [match["member"] for match in found["matches"]] == enrolled["members"]
    # The enrolment went through its stored task (resumable); the search through Redis, which keeps nothing of it.
    assert list(Task.objects.filter(project=project).values_list("kind", "status")) == [("face_set.enrol", "done")]
    assert _call_keys() == []


def test_a_call_whose_caller_stopped_waiting_is_not_run(transactional_db, shared_data):
    import json
    import time as clock

    from facesets.services.calls import KEY, call_process, client

    project = projects.project_get_or_create(name="abandoned")
    photo = (shared_data / "groups" / "face_recognition__two_people.jpg").read_bytes()
    call = {"kind": "image.detect", "project": project.pk, "params": {"ttl_hours": 1}, "deadline": clock.time() - 1}
    client().hset(KEY.format("gone"), mapping={"call": json.dumps(call), "photo": photo})
    assert call_process(call_id="gone") == "abandoned"
    assert call_process(call_id="gone") == "missing"  # a redelivered message finds nothing to do
    assert not Face.objects.filter(project=project).exists()  # the detection was never run, so never kept
    assert _call_keys() == []


def test_a_failed_call_answers_its_domain_error(worker, shared_data):
    project = projects.project_get_or_create(name="call-errors")
    no_face = next((shared_data / "no_face").iterdir()).read_bytes()
    with pytest.raises(NoFace):
        task_run(project=project, kind="search", params={"face_set": 0}, payload=no_face)
    with pytest.raises(ImageInvalid):
        task_run(project=project, kind="image.analyse", payload=b"not an image")
    assert not Task.objects.filter(project=project).exists()
    assert _call_keys() == []


def test_a_call_whose_project_or_face_set_went_answers_not_found(transactional_db, shared_data):
    """A worker's call holds only the project's id (services.calls): a project deleted before the call ran is a
    NotFound for work that reads it, and a search of a face set deleted meanwhile a FaceSetNotFound."""
    import json
    import time as clock

    from facesets.models import FaceSet, Project
    from facesets.services.calls import KEY, REPLY, call_process, client

    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    project = projects.project_get_or_create(name="vanishing")
    face_set = library.face_set_create(project=project, name="staff")
    deadline = clock.time() + 60

    def run(call_id: str, kind: str, params: dict, project_pk: int) -> dict:
        call = {"kind": kind, "project": project_pk, "params": params, "deadline": deadline}
        client().hset(KEY.format(call_id), mapping={"call": json.dumps(call), "photo": photo})
        assert call_process(call_id=call_id) == "failed"
        return json.loads(client().lpop(REPLY.format(call_id)))

    face_set_pk = face_set.pk
    FaceSet.objects.filter(pk=face_set_pk).delete()
    answer = run("no-set", "search", {"face_set": face_set_pk}, project.pk)
    assert answer["error_code"] == "face_set_not_found"
    project_pk = project.pk
    Project.objects.filter(pk=project_pk).delete()
    answer = run("no-project", "image.detect", {"ttl_hours": 1}, project_pk)
    assert answer["error_code"] == "not_found"
    assert answer["error_message"] == "the project was deleted before the work ran"
    assert not Face.objects.filter(project_id=project_pk).exists()
    assert _call_keys() == []


def test_a_read_only_call_runs_without_a_transaction_a_detection_in_one(transactional_db, shared_data):
    """services.calls: a search (jobs.Search.reads_only) opens no transaction around its work (the face set is read
    outside any; an exact scan sets its own search settings in one); a detection that keeps its faces writes them in
    one transaction."""
    import json
    import time as clock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from facesets.services.calls import KEY, REPLY, call_process, client

    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    project = projects.project_get_or_create(name="read-only")
    face_set = library.face_set_create(project=project, name="staff")

    def run(call_id: str, kind: str, params: dict) -> list[str]:
        call = {"kind": kind, "project": project.pk, "params": params, "deadline": clock.time() + 60}
        client().hset(KEY.format(call_id), mapping={"call": json.dumps(call), "photo": photo})
        with CaptureQueriesContext(connection) as queries:
            assert call_process(call_id=call_id) == "done"
        assert json.loads(client().lpop(REPLY.format(call_id)))["status"] == "done"
        return [query["sql"] for query in queries.captured_queries]

    searched = run("search", "search", {"face_set": face_set.pk})
    assert searched[0].startswith("SELECT") and "facesets_faceset" in searched[0]
    detected = run("detect", "image.detect", {"ttl_hours": 1})
    assert detected[0] == "BEGIN" and detected[-1] == "COMMIT"
    assert Face.objects.filter(project=project).count() == 1


def test_a_photo_the_release_before_held_in_the_cache_is_read_there(transactional_db, shared_data):
    """Items the release before services.calls queued with their photo in the cache: a worker of this one reads it
    there, and fails the item as a Timeout when the cache lost it."""
    from django.core.cache import cache

    from facesets.services.tasks import _payload_key, task_item_process

    project = projects.project_get_or_create(name="previous-release")
    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    kept, lost = (task_submit(project=project, kind="image.analyse", items=[{"payload": None}]) for _ in range(2))
    TaskItem.objects.filter(task__in=[kept, lost]).update(payload_cached=True)
    cache.set(_payload_key(kept.items.get().pk), photo)
    assert task_item_process(item_pk=kept.items.get().pk) == Task.Status.DONE
    assert cache.get(_payload_key(kept.items.get().pk)) is None  # forgotten once the answer was written
    assert task_item_process(item_pk=lost.items.get().pk) == Task.Status.FAILED
    lost.refresh_from_db()
    assert (lost.status, lost.error_code) == (Task.Status.FAILED, "timeout")


@pytest.mark.parametrize("cache_url", ["redis://127.0.0.1:9/0", ""], ids=["redis-down", "database-cache"])
def test_without_redis_a_synchronous_call_goes_through_a_stored_task(worker, shared_data, settings, cache_url):
    settings.FACELIB_CACHE_URL = cache_url
    project = projects.project_get_or_create(name=f"no-redis-{bool(cache_url)}")
    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    result = task_run(project=project, kind="image.analyse", payload=photo)
    assert len(result["faces"]) == 1
    task = Task.objects.get(project=project)
    assert (task.kind, task.status, task.items.get().payload) == ("image.analyse", "done", None)


def test_once_notifications_arrive_a_wait_reads_its_task_only_as_a_backstop(worker, shared_data):
    import math

    from django.db import connection

    from facesets.services import tasks

    project = projects.project_get_or_create(name="wait")
    photo = (shared_data / "people" / "person02" / "img12.jpg").read_bytes()
    # Collectable calls go through a stored task, whose wait this is about.
    task_run(project=project, kind="image.analyse", payload=photo, collectable=True)  # a notification seen here
    assert tasks._notifications_arrive
    reads = []

    def count(execute, sql, params, many, context):
        if sql.startswith('SELECT "facesets_task"'):
            reads.append(sql)
        return execute(sql, params, many, context)

    started = time.monotonic()
    with connection.execute_wrapper(count):
        result = task_run(project=project, kind="image.analyse", payload=photo, collectable=True)
    elapsed = time.monotonic() - started
    assert len(result["faces"]) == 1
    # Before it, and after the notification; more only if the work outlasted a backstop interval.
    assert 1 <= len(reads) <= 2 + math.ceil(elapsed / tasks.NOTIFIED_BACKSTOP)
