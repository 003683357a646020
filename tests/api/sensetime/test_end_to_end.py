"""From photos to an identified person, over real HTTP (a live server, `requests`), as a SenseTime client would:
detect photos of three people, make them persons, group them, train, identify a new photo of one of them, verify it
against its person, collect an asynchronous identification through /info/task, then run into a quota and the rate
limit."""

from __future__ import annotations

import pytest

from tests.api.sensetime.conftest import make_account, project_of
from tests.api.sensetime.helpers import error_of, task_outcome

PEOPLE = {
    "person01": ["people/person01/img10.jpg", "people/person01/img11.jpg", "people/person01/img6.jpg"],
    "person02": ["people/person02/img12.jpg", "people/person02/img53.jpg"],
    "person05": ["people/person05/img16.jpg", "people/person05/img61.jpg"],
}
NEW_PHOTO_OF_PERSON01 = "people/person01/img5.jpg"


@pytest.fixture(scope="module")
def live(st_worker, shared_data):
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("127.0.0.1")
    yield lambda **quotas: make_account(shared_data, base_url=server.url, **quotas)
    server.stop()


def test_identify_a_new_photo_end_to_end(live, settings):
    st = live(max_persons=3, rate_limit_requests=1000)

    persons = {}
    for name, photos in PEOPLE.items():
        face_ids = []
        for photo in photos:
            detected = st.detect(photo)
            assert detected.status_code == 200, detected.body
            face_ids.append(detected.body["faces"][0]["face_id"])
        created = st.call("/person/create", {"name": name, "face_id": face_ids})
        assert created.body["face_count"] == len(photos)
        persons[name] = created.body["person_id"]

    group = st.call("/group/create", {"name": "friends", "person_id": list(persons.values())}, form="form")
    assert group.body["person_count"] == 3
    group_id = group.body["group_id"]
    assert st.call("/face/training", {"group_id": [group_id]}).body == {"status": "OK"}

    face_id = st.detect(NEW_PHOTO_OF_PERSON01).body["faces"][0]["face_id"]
    identified = st.call("/face/identification", {"face_id": face_id, "group_id": group_id, "top": 5})
    assert identified.status_code == 200
    candidates = identified.body["candidates"]
    assert candidates[0]["person_id"] == persons["person01"] and candidates[0]["name"] == "person01"
    assert candidates[0]["confidence"] > 0.6

    same = st.call("/face/verification", {"face_id": face_id, "person_id": persons["person01"]})
    assert same.body["same_person"] is True
    different = st.call("/face/verification", {"face_id": face_id, "person_id": persons["person02"]}, form="form")
    assert different.body["same_person"] is False

    # The asynchronous path: no synchronous budget at all, the result collected through /info/task.
    settings.FACELIB_SENSETIME_SYNC_TIMEOUT = 0
    accepted = st.call("/face/identification", {"face_id": face_id, "group_id": group_id}, form="query")
    assert accepted.status_code == 202 and accepted.body["task_status"] in ("pending", "processing")
    outcome = task_outcome(st, accepted.body["task_id"])
    assert outcome["task_status"] == "done"
    assert outcome["result"]["candidates"][0]["person_id"] == persons["person01"]

    # A fourth person is over this project's quota of three.
    assert "persons" in error_of(st.call("/person/create", {"name": "person13"}), 400, "QUOTA_EXCEEDED")
    usage = st.call("/info/api", method="GET").body["usage"]
    assert usage == {"groups": 1, "persons": 3, "facesets": 0}

    # And with the rate limit lowered below what was already used, the next call is refused.
    project = project_of(st)
    project.rate_limit_requests = 5
    project.save(update_fields=["rate_limit_requests"])
    refused = st.call("/info/api", method="GET")
    assert refused.status_code == 403 and refused.body == {"status": "RATE_LIMIT_EXCEEDED"}
    assert refused.headers["X-RateLimit-Remaining"] == "0"
