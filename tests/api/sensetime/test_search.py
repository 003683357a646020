"""/face/search: the faces most similar to a face, in a face set or among face ids; `top` 1..10 (default 3)."""

from __future__ import annotations

import pytest

from tests.api.sensetime.helpers import error_of, task_outcome

PHOTOS = {
    "jolie_a": "people/person01/img5.jpg",
    "jolie_b": "people/person01/img10.jpg",
    "jolie_c": "people/person01/img11.jpg",
    "p2_a": "people/person02/img12.jpg",
    "p2_b": "people/person02/img55.jpg",
    "p5_a": "people/person05/img16.jpg",
    "p5_b": "people/person05/img62.jpg",
}


@pytest.fixture(scope="module")
def faces(st):
    return {key: st.detect_face(name) for key, name in PHOTOS.items()}


@pytest.fixture(scope="module")
def face_set(st, faces):
    members = [faces[key] for key in ("jolie_b", "jolie_c", "p2_b", "p5_b")]
    return st.call("/faceset/create", {"name": "searchable", "face_id": members}).body["faceset_id"]


def test_search_in_a_face_set(st, faces, face_set):
    answer = st.call("/face/search", {"face_id": faces["jolie_a"], "faceset_id": face_set, "top": 1})
    assert answer.status_code == 200
    assert set(answer.body) == {"candidates", "face_id", "status"}
    assert (answer.body["face_id"], answer.body["status"]) == (faces["jolie_a"], "OK")
    [candidate] = answer.body["candidates"]
    assert set(candidate) == {"face_id", "confidence"}
    assert candidate["face_id"] in (faces["jolie_b"], faces["jolie_c"]) and candidate["confidence"] > 0.6


def test_default_top_is_three_best_first(st, faces, face_set):
    candidates = st.call("/face/search", {"face_id": faces["p2_a"], "faceset_id": face_set}, form="form").body[
        "candidates"
    ]
    assert len(candidates) == 3
    assert candidates[0]["face_id"] == faces["p2_b"]
    confidences = [candidate["confidence"] for candidate in candidates]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= value <= 1 for value in confidences)


def test_a_face_finds_itself_with_confidence_one(st, faces, face_set):
    candidates = st.call("/face/search", {"face_id": faces["p5_b"], "faceset_id": face_set, "top": 10}).body[
        "candidates"
    ]
    assert candidates[0] == {"face_id": faces["p5_b"], "confidence": 1}
    assert len(candidates) == 4  # fewer faces than top


def test_search_among_face_ids(st, faces):
    among = [faces["p2_b"], faces["p5_b"], faces["jolie_c"]]
    answer = st.call("/face/search", {"face_id": faces["p5_a"], "face_ids": ",".join(among), "top": 2}, form="query")
    candidates = answer.body["candidates"]
    assert len(candidates) == 2 and candidates[0]["face_id"] == faces["p5_b"]
    assert {candidate["face_id"] for candidate in candidates} <= set(among)


def test_the_face_set_wins_over_face_ids(st, faces, face_set):
    answer = st.call(
        "/face/search", {"face_id": faces["jolie_a"], "faceset_id": face_set, "face_ids": [faces["p2_a"]], "top": 10}
    )
    assert faces["p2_a"] not in {candidate["face_id"] for candidate in answer.body["candidates"]}


def test_search_asynchronously(st, faces, face_set, settings):
    args = {"face_id": faces["jolie_a"], "faceset_id": face_set, "top": 2}
    synchronous = st.call("/face/search", args).body
    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    answer = st.call("/face/search", args)
    assert answer.status_code == 202 and answer.body["task_status"] in ("pending", "processing")
    outcome = task_outcome(st, answer.body["task_id"])
    assert (outcome["task_status"], outcome["result"]) == ("done", synchronous)


def test_errors(st, faces, face_set):
    search = lambda args: st.call("/face/search", args)  # noqa: E731
    query = faces["jolie_a"]
    reason = error_of(search({"face_id": query, "faceset_id": face_set, "top": 11}), 400, "INVALID_ARGUMENT")
    assert reason == "argument 'top': not in range(1..10)"  # the document's own example
    error_of(search({"face_id": query, "faceset_id": face_set, "top": 0}), 400, "INVALID_ARGUMENT")
    error_of(search({"face_id": query, "faceset_id": face_set, "top": "x"}), 400, "INVALID_ARGUMENT")
    error_of(search({"face_id": query, "faceset_id": "ed3689a183994bf0805cf6dd9e973a5b"}), 400, "INVALID_FACESET")
    error_of(search({"face_id": "c74df9b413a44a9ab3060b7170989fa9", "faceset_id": face_set}), 400, "INVALID_FACE")
    error_of(search({"face_id": query, "face_ids": [faces["p2_a"], "nosuchface"]}), 400, "INVALID_FACE")
    empty = st.call("/faceset/create", {"name": "empty"}).body["faceset_id"]
    error_of(search({"face_id": query, "faceset_id": empty}), 400, "EMPTY_FACESET")
    error_of(search({"face_id": query, "face_ids": []}), 400, "EMPTY_FACESET")
    reason = error_of(search({"face_id": query}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'face_ids' or 'faceset_id' argument"
    assert error_of(search({"faceset_id": face_set}), 400, "INVALID_ARGUMENT") == "must specify 'face_id' argument"
