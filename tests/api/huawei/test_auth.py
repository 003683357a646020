"""Authentication (spec 3.3): AK/SK signatures as huaweicloudsdkcore makes them, IAM-style tokens, the project in
the path; and the gateway errors every endpoint shares (unknown API, body too large, timeout, internal error)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta

import pytest
import requests
from huaweicloudsdkfrs.v2 import model as frs

from facesets.api.huawei import auth
from tests.api.huawei.helpers import as_dict, b64, frs_error, raw_error

FACE_SETS = "/v2/{project_id}/face-sets"


def _list(client):
    return as_dict(client.show_all_face_sets(frs.ShowAllFaceSetsRequest()))


# --- AK/SK -----------------------------------------------------------------------------------------------------


def test_a_signed_request_with_query_and_body_passes(frs_env, face_set):
    response = frs_env.signed("GET", f"/v2/{{project_id}}/face-sets/{face_set}/faces", query=[("limit", "2")])
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["X-Request-Id"]


def test_an_access_key_gets_the_rate_limit_headers_on_every_answer(frs_env, face_set):
    answers = [
        frs_env.signed("GET", f"/v2/{{project_id}}/face-sets/{face_set}"),
        frs_env.signed("GET", "/v2/{project_id}/face-sets/no-such-set"),
    ]
    assert [answer.status_code for answer in answers] == [200, 400]
    for answer in answers:
        assert int(answer.headers["X-RateLimit-Limit"]) >= 1
        assert 0 <= int(answer.headers["X-RateLimit-Remaining"]) < int(answer.headers["X-RateLimit-Limit"])
        assert int(answer.headers["X-RateLimit-Reset"]) >= 1
        # and the spec's own names (table 3-4): the limit and what is left
        assert answer.headers["X-ratelimit"] == answer.headers["X-RateLimit-Limit"]
        assert answer.headers["X-ratelimit-used"] == answer.headers["X-RateLimit-Remaining"]
    remaining = [int(answer.headers["X-RateLimit-Remaining"]) for answer in answers]
    assert remaining[1] < remaining[0]


def test_query_values_and_path_segments_that_need_encoding_pass(client, face_set):
    """The canonical query and URI percent-encode what the SDK encodes (spaces, '~', '+', '/', non-ASCII)."""
    for face_id in ("a b", "x~y+z/ä", "&=?"):
        with frs_error("FRS.0403"):
            client.show_faces_by_face_id(frs.ShowFacesByFaceIdRequest(face_set_name=face_set, face_id=face_id))
    with frs_error("FRS.0302"):
        client.show_face_set(frs.ShowFaceSetRequest(face_set_name="no such ~ set ä"))


def test_wrong_secret_unknown_key_and_revoked_key_are_apig_0301(frs_env):
    from facesets.models import Credential
    from facesets.services import projects

    with frs_error("APIG.0301", 401):
        _list(frs_env.client(sk=frs_env.sk + "x"))
    with frs_error("APIG.0301", 401):
        _list(frs_env.client(ak="NOSUCHACCESSKEY00000"))
    credential = Credential.objects.get(access_key=frs_env.ak)
    other, secret = projects.credential_create(project=credential.project)
    client = frs_env.client(ak=other.access_key, sk=secret)
    assert _list(client)["face_sets_info"] is not None
    projects.credential_revoke(credential=other)
    with frs_error("APIG.0301", 401):
        _list(client)


def test_a_changed_body_or_query_breaks_the_signature(frs_env, face_set):
    import requests as http
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    path = f"/v2/{frs_env.project_id}/face-sets/{face_set}/faces"
    signed = SdkRequest(
        method="PUT",
        schema="http",
        host=frs_env.url.split("://")[1],
        resource_path=path,
        query_params=[],
        header_params={"Content-Type": "application/json"},
        body=json.dumps({"face_id": "AAAAAAAA", "external_image_id": "a"}).encode(),
    )
    Signer(BasicCredentials(frs_env.ak, frs_env.sk)).sign(signed)
    tampered = json.dumps({"face_id": "AAAAAAAA", "external_image_id": "b"}).encode()
    raw_error(http.put(frs_env.url + path, headers=signed.header_params, data=tampered), "APIG.0301", 401)
    # The same request untouched gets through authentication (and fails on the unknown face).
    raw_error(http.put(frs_env.url + path, headers=signed.header_params, data=signed.body), "FRS.0403")
    listing = frs_env.signed("GET", f"/v2/{{project_id}}/face-sets/{face_set}/faces", query=[("limit", "2")])
    url = listing.request.url.replace("limit=2", "limit=3")
    raw_error(http.get(url, headers=dict(listing.request.headers)), "APIG.0301", 401)


@pytest.mark.parametrize(("minutes", "accepted"), [(-14, True), (14, True), (-16, False), (16, False)])
def test_x_sdk_date_must_be_within_15_minutes(client, minutes, accepted):
    when = (datetime.utcnow() + timedelta(minutes=minutes)).strftime("%Y%m%dT%H%M%SZ")

    def call():
        return client.call_api(
            FACE_SETS, "GET", header_params={"X-Sdk-Date": when}, response_type="ShowAllFaceSetsResponse"
        )

    if accepted:
        assert call().face_sets_info is not None
    else:
        with frs_error("APIG.0301", 401):
            call()


def test_no_credentials_at_all_is_apig_0301(frs_env):
    response = requests.get(f"{frs_env.url}/v2/{frs_env.project_id}/face-sets", timeout=30)
    raw_error(response, "APIG.0301", 401)


def test_another_projects_id_in_the_path_is_refused(frs_env):
    from facesets.services import projects

    other = projects.project_get_or_create(name=f"huawei-other-{uuid.uuid4().hex[:6]}")
    with frs_error("APIG.0301", 401):
        _list(frs_env.client(project_id=other.project_id))
    with frs_error("APIG.0301", 401):
        _list(frs_env.client(project_id="no-such-project"))


# --- tokens ----------------------------------------------------------------------------------------------------


def _user(frs_env, role: str | None, password: str = "correct horse battery"):
    from django.contrib.auth import get_user_model

    from facesets.models import Project
    from facesets.services import projects

    user = get_user_model().objects.create_user(username=f"huawei-{uuid.uuid4().hex[:8]}", password=password)
    if role:
        project = Project.objects.get(project_id=frs_env.project_id)
        projects.project_member_set(project=project, user=user, role=role)
    return user


def _token_body(username, password, project_name=None, project_id=None):
    project = {"name": project_name} if project_name else {"id": project_id}
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"name": username, "password": password, "domain": {"name": "any"}}},
            },
            "scope": {"project": project},
        }
    }


def _token(frs_env, username, password="correct horse battery", **project):
    project = project or {"project_id": frs_env.project_id}
    return requests.post(f"{frs_env.url}/v3/auth/tokens", json=_token_body(username, password, **project), timeout=30)


def _with_token(frs_env, token, method="GET", path=FACE_SETS, **kwargs):
    url = frs_env.url + path.replace("{project_id}", frs_env.project_id)
    return requests.request(method, url, headers={"X-Auth-Token": token}, timeout=120, **kwargs)


def test_token_for_a_project_member(frs_env, face_set):
    from facesets.models import Project

    user = _user(frs_env, "admin")
    response = _token(frs_env, user.username)
    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    assert response.headers["X-Request-Id"]
    body = response.json()["token"]
    assert body["methods"] == ["password"]
    assert body["user"]["name"] == user.username
    assert body["project"]["id"] == frs_env.project_id
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    issued = datetime.fromisoformat(body["issued_at"].replace("Z", "+00:00"))
    assert expires - issued == timedelta(hours=24)

    listed = _with_token(frs_env, token)
    assert listed.status_code == 200
    assert face_set in {info["face_set_name"] for info in listed.json()["face_sets_info"]}
    name = f"tok_{uuid.uuid4().hex[:8]}"
    created = _with_token(frs_env, token, "POST", json={"face_set_name": name})
    assert created.status_code == 200, created.text
    deleted = _with_token(frs_env, token, "DELETE", f"{FACE_SETS}/{name}")
    assert deleted.json() == {"face_set_name": name}

    # By project name too.
    project = Project.objects.get(project_id=frs_env.project_id)
    assert _token(frs_env, user.username, project_name=project.name).status_code == 201


def test_a_viewers_token_reads_but_does_not_write(frs_env, people):
    user = _user(frs_env, "viewer")
    token = _token(frs_env, user.username).headers["X-Subject-Token"]
    assert _with_token(frs_env, token).status_code == 200
    search = _with_token(
        frs_env,
        token,
        "POST",
        f"{FACE_SETS}/{people.name}/search",
        json={"face_id": people.face_ids["person01"], "top_n": 1},
    )
    assert search.status_code == 200, search.text
    raw_error(_with_token(frs_env, token, "POST", json={"face_set_name": "viewer-set"}), "FRS.0002", 403)
    raw_error(_with_token(frs_env, token, "DELETE", f"{FACE_SETS}/{people.name}"), "FRS.0002", 403)


@pytest.mark.parametrize("case", ["wrong password", "not a member", "unknown project", "unknown user", "inactive user"])
def test_token_refused(frs_env, case):
    user = _user(frs_env, None if case == "not a member" else "admin")
    if case == "inactive user":
        user.is_active = False
        user.save()
    username = "nobody-here" if case == "unknown user" else user.username
    password = "wrong" if case == "wrong password" else "correct horse battery"
    project = {"project_id": "0" * 32} if case == "unknown project" else {}
    response = _token(frs_env, username, password, **project)
    raw_error(response, "APIG.0301", 401)
    # One answer whichever part was wrong: a token call never confirms a password.
    assert response.json()["error_msg"].endswith(auth.WRONG_PASSWORD)


def test_an_unknown_access_key_and_a_wrong_secret_get_the_same_answer(frs_env):
    path = "/v2/{project_id}/face-sets"
    unknown = frs_env.signed("GET", path, ak="NOSUCHACCESSKEY00000")
    wrong = frs_env.signed("GET", path, sk=frs_env.sk + "x")
    for response in (unknown, wrong):
        raw_error(response, "APIG.0301", 401)
    assert unknown.json()["error_msg"] == wrong.json()["error_msg"]


def test_token_request_errors(frs_env):
    url = f"{frs_env.url}/v3/auth/tokens"
    raw_error(
        requests.post(url, data="{not json", headers={"Content-Type": "application/json"}, timeout=30), "FRS.0014"
    )
    raw_error(requests.post(url, json={}, timeout=30), "FRS.0011")
    domain_scoped = _token_body("x", "y", project_id="p")
    domain_scoped["auth"]["scope"] = {"domain": {"name": "any"}}
    raw_error(requests.post(url, json=domain_scoped, timeout=30), "FRS.0011")
    other_method = _token_body("x", "y", project_id="p")
    other_method["auth"]["identity"]["methods"] = ["token"]
    raw_error(requests.post(url, json=other_method, timeout=30), "FRS.0012")


def test_bad_expired_and_foreign_tokens(frs_env):
    from django.core import signing

    from facesets.api.huawei import auth
    from facesets.services import projects

    user = _user(frs_env, "admin")
    raw_error(_with_token(frs_env, "garbage"), "FRS.0002", 403)
    good = _token(frs_env, user.username).headers["X-Subject-Token"]
    raw_error(_with_token(frs_env, good[:-2] + ("AA" if not good.endswith("AA") else "BB")), "FRS.0002", 403)

    class IssuedYesterday(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 25 * 3600)

    payload = {"u": user.pk, "p": frs_env.project_id, "h": auth._password_digest(user)}
    raw_error(_with_token(frs_env, IssuedYesterday(salt=auth.TOKEN_SALT).sign_object(payload)), "APIG.0307", 401)

    # A token of another project, used on this project's path.
    other = projects.project_get_or_create(name=f"huawei-tok-{uuid.uuid4().hex[:6]}")
    projects.project_member_set(project=other, user=user, role="admin")
    foreign = _token(frs_env, user.username, project_id=other.project_id).headers["X-Subject-Token"]
    raw_error(_with_token(frs_env, foreign), "FRS.0028", 403)

    # Changing the password or leaving the project ends the tokens.
    user.set_password("another password 2")
    user.save()
    raw_error(_with_token(frs_env, good), "FRS.0002", 403)
    fresh = _token(frs_env, user.username, "another password 2").headers["X-Subject-Token"]
    assert _with_token(frs_env, fresh).status_code == 200
    from facesets.models import ProjectMembership

    ProjectMembership.objects.filter(user=user, project__project_id=frs_env.project_id).delete()
    raw_error(_with_token(frs_env, fresh), "FRS.0002", 403)


# --- what every endpoint shares --------------------------------------------------------------------------------


def test_request_id_is_echoed_or_made(frs_env):
    response = frs_env.signed("GET", FACE_SETS, headers={"X-Request-Id": "client-id-123"})
    assert response.headers["X-Request-Id"] == "client-id-123"
    response = frs_env.signed("GET", "/v2/{project_id}/face-sets/no-such-set")
    raw_error(response, "FRS.0302")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/{project_id}/live-detect-face"),
        ("POST", "/v2/{project_id}/live-detect-face"),
        ("GET", "/v2/{project_id}/face-sets/x/unknown"),
        ("PATCH", "/v2/{project_id}/face-sets"),
        ("GET", "/v2/{project_id}/face-compare"),
    ],
)
def test_unknown_api_is_apig_0101(frs_env, method, path):
    raw_error(frs_env.signed(method, path), "APIG.0101", 404)


def test_body_over_the_limit_is_apig_0201(client, frs_env, face_set, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000
    with frs_error("APIG.0201", 413):
        client.add_faces_by_base64(
            frs.AddFacesByBase64Request(
                face_set_name=face_set,
                body=frs.AddFacesBase64Req(image_base64=b64(frs_env.photo("people/person01/img5.jpg"))),
            )
        )


def test_work_that_outlives_the_wait_is_apig_0201_504(client, frs_env, settings):
    settings.FACELIB_SYNC_TIMEOUT = 0.0
    with frs_error("APIG.0201", 504):
        client.detect_face_by_base64(
            frs.DetectFaceByBase64Request(
                body=frs.FaceDetectBase64Req(image_base64=b64(frs_env.photo("people/person02/img12.jpg")))
            )
        )


def test_an_unexpected_failure_is_frs_0018(client, monkeypatch):
    from facesets.api.huawei.views import library

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(library, "face_set_list", broken)
    with frs_error("FRS.0018", 500) as caught:
        _list(client)
    assert "disk" not in caught.value.error_msg


def test_the_projects_rate_limit_is_frs_0033(frs_env):
    from facesets.models import Project
    from facesets.services import projects

    project = projects.project_get_or_create(name=f"huawei-rate-{uuid.uuid4().hex[:6]}")
    Project.objects.filter(pk=project.pk).update(rate_limit_requests=3, rate_limit_window_seconds=3600)
    credential, secret = projects.credential_create(project=project)
    client = frs_env.client(ak=credential.access_key, sk=secret, project_id=project.project_id)
    for _ in range(3):
        assert _list(client)["face_sets_info"] == []
    with frs_error("FRS.0033"):
        _list(client)


def test_password_guessing_on_the_token_call_locks_the_user_name_out(frs_env, settings):
    user = _user(frs_env, "admin")
    for _ in range(5):  # FACELIB_LOGIN_FAILURE_LIMIT's default
        raw_error(_token(frs_env, user.username, "a guess"), "APIG.0301", 401)
    locked = _token(frs_env, user.username, "correct horse battery")
    raw_error(locked, "APIG.0301", 401)
    assert "too many failed attempts" in locked.json()["error_msg"]
    assert "X-Subject-Token" not in locked.headers
    other = _user(frs_env, "admin")
    assert _token(frs_env, other.username).status_code == 201
