"""/info/api: rate limit, quotas and usage of the project; plus the errors every endpoint shares (auth, paths)."""

from __future__ import annotations

from tests.api.sensetime.conftest import project_of
from tests.api.sensetime.helpers import error_of


def test_info_api_reports_rate_limit_quotas_and_usage(account_factory):
    st = account_factory(
        max_groups=10,
        max_persons=80,
        max_face_sets=15,
        max_persons_per_group=30,
        max_faces_per_person=10,
        max_face_set_capacity=50,
        rate_limit_requests=50,
        rate_limit_window_seconds=10,
    )
    st.call("/person/create", {"name": "xiaoming"})
    st.call("/group/create", {"name": "group1"})
    # The document's curl example: GET with the credentials in the query string.
    answer = st.call("/info/api", method="GET")
    assert answer.status_code == 200
    assert answer.body == {
        "status": "OK",
        "rate_limit": "50q/10s",
        "quota": {
            "groups": 10,
            "persons": 80,
            "facesets": 15,
            "persons_per_group": 30,
            "faces_per_person": 10,
            "faces_per_faceset": 50,
        },
        "usage": {"groups": 1, "persons": 1, "facesets": 0},
    }
    assert "expiration_date" not in answer.body  # FaceLib credentials do not expire
    assert answer.headers["X-RateLimit-Limit"] == "50"
    assert answer.headers["X-RateLimit-Remaining"] == "47"  # three calls so far
    assert 1 <= int(answer.headers["X-RateLimit-Reset"]) <= 10


def test_credentials_in_a_json_body_or_a_form_work_too(account_factory):
    st = account_factory()
    assert st.call("/info/api", {}, auth_in_body=True, form="json").status_code == 200
    assert st.call("/info/api", {}, auth_in_body=True, form="form").status_code == 200
    assert st.call("/info/api", {}, auth_in_body=True, form="multipart").status_code == 200


def test_missing_or_wrong_credentials_are_unauthorized(account_factory):
    st = account_factory()
    answer = st.call("/info/api", method="GET", auth=False)
    assert "api_id" in error_of(answer, 401, "UNAUTHORIZED")
    assert "X-RateLimit-Limit" not in answer.headers
    st.api_secret = "wrong"
    error_of(st.call("/info/api", method="GET"), 401, "UNAUTHORIZED")
    st.api_id = "NOSUCHKEY"
    error_of(st.call("/person/create", {"name": "x"}), 401, "UNAUTHORIZED")


def test_a_revoked_credential_is_expired(account_factory):
    from facesets.models import Credential
    from facesets.services.projects import credential_revoke

    st = account_factory()
    credential_revoke(credential=Credential.objects.get(access_key=st.api_id))
    reason = error_of(st.call("/info/api", method="GET"), 401, "KEY_EXPIRED")
    assert "revoked" in reason


def test_unknown_paths_answer_not_found(account_factory):
    st = account_factory()
    for path in ("/info/nothing", "/face/detect", "/person/rename", "/group", "/faceset/create/extra"):
        answer = st.call(path, {"name": "x"})
        error_of(answer, 404, "NOT_FOUND")
        assert answer.headers["X-RateLimit-Limit"]  # a valid credential is still counted
    error_of(st.call("/info/nothing", method="GET", auth=False), 404, "NOT_FOUND")


def test_wrong_method_answers_not_found_naming_the_right_one(account_factory):
    st = account_factory()
    assert "use POST" in error_of(
        st.call("/person/create", {"name": "x"}, method="GET", form="query"), 404, "NOT_FOUND"
    )
    # info/ endpoints answer a POST like their GET
    assert st.call("/info/api", {}, method="POST").status_code == 200
    assert project_of(st).persons.count() == 0


def test_a_trailing_slash_is_tolerated(account_factory):
    st = account_factory()
    assert st.call("/info/api/", method="GET").status_code == 200


def test_a_malformed_json_body_is_an_invalid_argument(account_factory):
    from django.test import Client

    st = account_factory()
    response = Client().generic(
        "POST",
        f"/person/create?api_id={st.api_id}&api_secret={st.api_secret}",
        "{not json",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["status"] == "INVALID_ARGUMENT"


def test_an_unexpected_failure_is_an_internal_error(account_factory, monkeypatch):
    from facesets import selectors

    def broken(**kwargs):
        raise RuntimeError("the database fell over")

    st = account_factory()
    monkeypatch.setattr(selectors, "project_usage", broken)
    answer = st.call("/info/api", method="GET")
    assert answer.status_code == 500 and answer.body == {"status": "INTERNAL_ERROR"}
    assert answer.headers["X-RateLimit-Limit"]
