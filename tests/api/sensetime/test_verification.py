"""/face/verification: a face against another face (always answered at once) or a person (a worker job, 202 when it
outlives the synchronous budget)."""

from __future__ import annotations

import pytest

from tests.api.sensetime.helpers import error_of, task_outcome


@pytest.fixture(scope="module")
def faces(st):
    names = {
        "jolie_a": "people/person01/img5.jpg",
        "jolie_b": "people/person01/img10.jpg",
        "jolie_c": "people/person01/img11.jpg",
        "other": "people/person02/img12.jpg",
    }
    return {key: st.detect_face(name) for key, name in names.items()}


@pytest.fixture(scope="module")
def jolie(st, faces):
    return st.call("/person/create", {"name": "jolie", "face_id": [faces["jolie_b"], faces["jolie_c"]]}).body[
        "person_id"
    ]


def test_face_against_face_of_the_same_person(st, faces):
    answer = st.call("/face/verification", {"face_id": faces["jolie_a"], "face2_id": faces["jolie_b"]})
    assert answer.status_code == 200
    body = answer.body
    assert set(body) == {"same_person", "confidence", "face_id", "face2_id", "status"}
    assert (body["face_id"], body["face2_id"], body["status"]) == (faces["jolie_a"], faces["jolie_b"], "OK")
    assert body["same_person"] is True and 0.6 < body["confidence"] <= 1


def test_face_against_face_of_another_person(st, faces):
    # httpie's form of the document's example: form fields.
    answer = st.call("/face/verification", {"face_id": faces["jolie_a"], "face2_id": faces["other"]}, form="form")
    assert answer.body["same_person"] is False and 0 <= answer.body["confidence"] < 0.6


def test_a_face_against_itself_is_certain(st, faces):
    answer = st.call("/face/verification", {"face_id": faces["other"], "face2_id": faces["other"]}, form="query")
    assert answer.body["confidence"] == 1 and answer.body["same_person"] is True


def test_face_against_person(st, faces, jolie):
    answer = st.call("/face/verification", {"face_id": faces["jolie_a"], "person_id": jolie})
    assert answer.status_code == 200
    assert set(answer.body) == {"same_person", "confidence", "face_id", "person_id", "status"}
    assert (answer.body["face_id"], answer.body["person_id"]) == (faces["jolie_a"], jolie)
    assert answer.body["same_person"] is True and answer.body["confidence"] > 0.6
    other = st.call("/face/verification", {"face_id": faces["other"], "person_id": jolie}).body
    assert other["same_person"] is False and other["confidence"] < 0.6


def test_face_against_person_asynchronously(st, faces, jolie, settings):
    synchronous = st.call("/face/verification", {"face_id": faces["jolie_a"], "person_id": jolie}).body
    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    answer = st.call("/face/verification", {"face_id": faces["jolie_a"], "person_id": jolie})
    assert answer.status_code == 202
    assert set(answer.body) == {"status", "task_id", "task_status"}
    assert answer.body["status"] == "OK" and answer.body["task_status"] in ("pending", "processing")
    outcome = task_outcome(st, answer.body["task_id"])
    assert outcome["task_status"] == "done"
    assert outcome["result"] == synchronous


def test_errors(st, faces, jolie):
    unknown = "c74df9b413a44a9ab3060b7170989fa9"
    verify = lambda args: st.call("/face/verification", args)  # noqa: E731
    error_of(verify({"face_id": unknown, "face2_id": faces["other"]}), 400, "INVALID_FACE")
    error_of(verify({"face_id": faces["other"], "face2_id": unknown}), 400, "INVALID_FACE2")
    error_of(
        verify({"face_id": faces["other"], "person_id": "5d8db5415b5a4bfdb5233edd433e13e1"}), 400, "INVALID_PERSON"
    )
    empty = st.call("/person/create", {"name": "nobody"}).body["person_id"]
    error_of(verify({"face_id": faces["other"], "person_id": empty}), 400, "EMPTY_PERSON")
    assert error_of(verify({"face2_id": faces["other"]}), 400, "INVALID_ARGUMENT") == "must specify 'face_id' argument"
    reason = error_of(verify({"face_id": faces["other"]}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'face2_id' or 'person_id' argument"
