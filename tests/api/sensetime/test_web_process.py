"""The models never load in a web process: every SenseTime call that works with stored faces (creating a face set or
a person with faces, adding faces, comparing two faces) is served with model loading refused, exactly as
config/wsgi.py refuses it in gunicorn. Before the rule, faceset/create and faceset/add_face reached get_engine() to
learn the current model's name and loaded ONNX Runtime inside the web server."""

from __future__ import annotations

import pytest

from recognition import engine


@pytest.fixture
def web_process():
    engine.forbid_loading("a web request of the test")
    try:
        yield
    finally:
        engine.forbid_loading("")


def test_loading_is_refused_once_forbidden_even_when_loaded_before(web_process):
    with pytest.raises(engine.EngineNotAllowed):
        engine.get_engine()
    assert engine.configured_model_name()  # known from the settings alone


def test_calls_on_stored_faces_need_no_model(st, fresh_faces, web_process):
    created = st.call("/faceset/create", {"name": "web-process", "face_id": fresh_faces[:2]})
    assert (created.status_code, created.status, created.body["face_count"]) == (200, "OK", 2)
    added = st.call("/faceset/add_face", {"faceset_id": created.body["faceset_id"], "face_id": fresh_faces[2:3]})
    assert (added.status, added.body["added_count"]) == ("OK", 1)
    person = st.call("/person/create", {"name": "web", "face_id": fresh_faces[3:4]})
    assert (person.status, person.body["face_count"]) == ("OK", 1)
    verified = st.call("/face/verification", {"face_id": fresh_faces[0], "face2_id": fresh_faces[1]})
    assert verified.status == "OK" and 0 <= verified.body["confidence"] <= 1
