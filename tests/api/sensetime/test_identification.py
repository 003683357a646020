"""/face/identification: the persons of a group most similar to a face; `top` 1..5 (default 2); only candidates
with confidence above 0.6."""

from __future__ import annotations

import pytest

from tests.api.sensetime.helpers import error_of, task_outcome

ENROLLED = {
    "jolie": ["people/person01/img10.jpg", "people/person01/img11.jpg"],
    "person02": ["people/person02/img12.jpg", "people/person02/img55.jpg"],
    "person05": ["people/person05/img16.jpg", "people/person05/img62.jpg"],
}


@pytest.fixture(scope="module")
def group(st):
    persons = {}
    for name, photos in ENROLLED.items():
        faces = [st.detect_face(photo) for photo in photos]
        persons[name] = st.call("/person/create", {"name": name, "face_id": faces}).body["person_id"]
    group_id = st.call("/group/create", {"name": "group1", "person_id": list(persons.values())}).body["group_id"]
    return {"group_id": group_id, "persons": persons}


@pytest.fixture(scope="module")
def query(st):
    return {
        "jolie": st.detect_face("people/person01/img5.jpg"),
        "stranger": st.detect_face("people/person09/img25.jpg"),
    }


def test_identifies_the_right_person_first(st, group, query):
    answer = st.call("/face/identification", {"face_id": query["jolie"], "group_id": group["group_id"], "top": "1"})
    assert answer.status_code == 200
    body = answer.body
    assert set(body) == {"candidates", "face_id", "group_id", "status"}
    assert (body["face_id"], body["group_id"], body["status"]) == (query["jolie"], group["group_id"], "OK")
    [candidate] = body["candidates"]
    assert candidate["person_id"] == group["persons"]["jolie"]
    assert candidate["name"] == "jolie" and 0.6 < candidate["confidence"] <= 1


def test_only_candidates_above_the_threshold(st, group, query):
    answer = st.call("/face/identification", {"face_id": query["jolie"], "group_id": group["group_id"], "top": 5})
    assert [candidate["name"] for candidate in answer.body["candidates"]] == ["jolie"]
    stranger = st.call(
        "/face/identification", {"face_id": query["stranger"], "group_id": group["group_id"]}, form="form"
    )
    assert stranger.status_code == 200 and stranger.body["candidates"] == []


def test_identification_asynchronously(st, group, query, settings):
    args = {"face_id": query["jolie"], "group_id": group["group_id"]}
    synchronous = st.call("/face/identification", args).body
    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    answer = st.call("/face/identification", args, form="query")
    assert answer.status_code == 202 and answer.body["task_status"] in ("pending", "processing")
    outcome = task_outcome(st, answer.body["task_id"])
    assert (outcome["task_status"], outcome["result"]) == ("done", synchronous)


def test_errors(st, group, query):
    identify = lambda args: st.call("/face/identification", args)  # noqa: E731
    face_id, group_id = query["jolie"], group["group_id"]
    reason = error_of(identify({"face_id": face_id, "group_id": group_id, "top": 6}), 400, "INVALID_ARGUMENT")
    assert reason == "argument 'top': not in range(1..5)"
    error_of(identify({"face_id": face_id, "group_id": "c6fb3a01aad1415b9478ef3b2b34ca9a"}), 400, "INVALID_GROUP")
    error_of(identify({"face_id": "c74df9b413a44a9ab3060b7170989fa9", "group_id": group_id}), 400, "INVALID_FACE")
    no_persons = st.call("/group/create", {"name": "empty"}).body["group_id"]
    error_of(identify({"face_id": face_id, "group_id": no_persons}), 400, "EMPTY_GROUP")
    faceless = st.call("/person/create", {"name": "faceless"}).body["person_id"]
    no_faces = st.call("/group/create", {"name": "faceless", "person_id": faceless}).body["group_id"]
    error_of(identify({"face_id": face_id, "group_id": no_faces}), 400, "EMPTY_GROUP")
    assert error_of(identify({"face_id": face_id}), 400, "INVALID_ARGUMENT") == "must specify 'group_id' argument"
