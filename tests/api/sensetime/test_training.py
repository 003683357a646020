"""/face/training: faces, persons, face sets and groups, given by id (arrays), at least one."""

from __future__ import annotations

import pytest

from tests.api.sensetime.helpers import error_of, task_outcome


@pytest.fixture(scope="module")
def library(st):
    faces = [face["face_id"] for face in st.detect("groups/compreface__011_3.jpg").body["faces"]]
    person_id = st.call("/person/create", {"name": "p", "face_id": faces[:1]}).body["person_id"]
    face_set_id = st.call("/faceset/create", {"name": "set", "face_id": faces[1:]}).body["faceset_id"]
    group_id = st.call("/group/create", {"name": "g", "person_id": person_id}).body["group_id"]
    return {"faces": faces, "person_id": person_id, "faceset_id": face_set_id, "group_id": group_id}


def test_training(st, library):
    # The document's curl example: JSON arrays.
    answer = st.call("/face/training", {"face_id": library["faces"][:1], "faceset_id": [library["faceset_id"]]})
    assert answer.status_code == 200 and answer.body == {"status": "OK"}
    # httpie's form, and every kind at once.
    args = {
        "face_id": ",".join(library["faces"]),
        "person_id": library["person_id"],
        "faceset_id": library["faceset_id"],
        "group_id": library["group_id"],
    }
    assert st.call("/face/training", args, form="form").body == {"status": "OK"}


def test_training_asynchronously_is_the_dashboards_task(st, library, settings):
    from facesets.models import Task

    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    answer = st.call("/face/training", {"group_id": [library["group_id"]]})
    assert answer.status_code == 202
    outcome = task_outcome(st, answer.body["task_id"])
    assert outcome == {
        "status": "OK",
        "task_id": answer.body["task_id"],
        "task_status": "done",
        "result": {"status": "OK"},
    }
    task = Task.objects.get(task_id=answer.body["task_id"])
    assert task.kind == "face.training" and task.result == {"faces": 1, "trained": 1}


def test_errors(st, library):
    train = lambda args: st.call("/face/training", args)  # noqa: E731
    error_of(train({"face_id": [library["faces"][0], "nosuchfa"]}), 400, "INVALID_FACE")
    error_of(train({"person_id": "00db687180f7434da646acdc33da787a"}), 400, "INVALID_PERSON")
    error_of(train({"faceset_id": ["ec72017732e447a08d4516a9b294750f"]}), 400, "INVALID_FACESET")
    error_of(
        train({"group_id": "c6fb3a01aad1415b9478ef3b2b34ca9a", "face_id": library["faces"][0]}), 400, "INVALID_GROUP"
    )
    reason = error_of(train({}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'face_id' or 'person_id' or 'faceset_id' or 'group_id' argument"
