"""/info/task: the state of an asynchronous call and, once done, its result (task ids are valid 24 hours)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.api.sensetime.conftest import project_of
from tests.api.sensetime.helpers import error_of, task_outcome


def test_a_pending_task_then_its_result(st, settings):
    faces = [face["face_id"] for face in st.detect("groups/compreface__010_2.jpg").body["faces"]]
    person_id = st.call("/person/create", {"name": "p", "face_id": faces[:1]}).body["person_id"]
    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    accepted = st.call("/face/verification", {"face_id": faces[1], "person_id": person_id})
    assert accepted.status_code == 202
    task_id = accepted.body["task_id"]
    # The document's curl example: the task id in the query string.
    answer = st.call("/info/task", {"task_id": task_id}, method="GET", form="query")
    assert answer.status_code == 200
    assert answer.body["status"] == "OK" and answer.body["task_id"] == task_id
    assert answer.body["task_status"] in ("pending", "processing", "done")
    outcome = task_outcome(st, task_id)
    assert set(outcome) == {"status", "task_id", "task_status", "result"}
    result = outcome["result"]
    assert set(result) == {"same_person", "confidence", "face_id", "person_id", "status"}
    assert (result["face_id"], result["person_id"], result["status"]) == (faces[1], person_id, "OK")


def test_a_failed_task_carries_its_error(st):
    from facesets.services.tasks import task_submit

    face_id = st.detect_face("people/person02/img12.jpg")
    face = project_of(st).faces.get(face_id=face_id)
    task = task_submit(
        project=project_of(st),
        kind="face.verify",
        items=[{"params": {"face": face.pk, "person": 0, "face_id": face_id, "person_id": "gone"}}],
    )
    outcome = task_outcome(st, task.task_id)
    assert outcome["task_status"] == "failed"
    assert outcome["result"]["status"] == "INVALID_PERSON"


def test_another_kind_of_task_shows_its_state_only(st):
    from facesets.services.tasks import task_submit

    photo = st.photo("people/person02/img12.jpg")
    task = task_submit(project=project_of(st), kind="image.analyse", items=[{"payload": photo}])
    outcome = task_outcome(st, task.task_id)
    assert outcome == {"status": "OK", "task_id": task.task_id, "task_status": "done"}


def test_unknown_expired_and_foreign_tasks_are_invalid(st, account_factory):
    from facesets.models import Task
    from facesets.services.tasks import task_submit

    error_of(st.call("/info/task", {"task_id": "e6ee9b9070804de486752a6eef9728cd"}, method="GET"), 400, "INVALID_TASK")
    old = task_submit(project=project_of(st), kind="face.training", items=[{"params": {}}])
    Task.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(hours=24, seconds=1))
    error_of(st.call("/info/task", {"task_id": old.task_id}, method="GET"), 400, "INVALID_TASK")
    fresh = task_submit(project=project_of(st), kind="face.training", items=[{"params": {}}])
    error_of(account_factory().call("/info/task", {"task_id": fresh.task_id}, method="GET"), 400, "INVALID_TASK")
    assert error_of(st.call("/info/task", method="GET"), 400, "INVALID_ARGUMENT") == "must specify 'task_id' argument"
