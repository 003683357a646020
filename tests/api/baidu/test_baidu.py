"""Baidu face v2 through the unmodified baidu-aip 1.6.6.0 client against a live server and a real worker: both auth
paths, every AipFace method, the documented fields and errors (error_code as the client reads it)."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.api.baidu.conftest import client_class

SAME_A, SAME_B = "people/person04/img58.jpg", "people/person04/img14.jpg"
OTHER = "people/person01/img4.jpg"
NO_FACE = "no_face/compreface_017_0_landscape.jpg"


def ok(answer: dict) -> dict:
    assert "error_code" not in answer, answer
    assert isinstance(answer["log_id"], int)
    return answer


def error(answer: dict, code: int) -> str:
    assert answer.get("error_code") == code, answer
    assert isinstance(answer["log_id"], int) and answer["error_msg"]
    return answer["error_msg"]


@pytest.fixture(scope="module")
def account(baidu_env):
    return baidu_env.account()


@pytest.fixture(scope="module")
def client(account):
    return account[0]


@pytest.fixture(scope="module")
def photo(baidu_env):
    return baidu_env.photo


def sign_every_call(client):
    """Put the client on its signed path (bce-auth-v1, no access_token), as it is when a token reply lacks
    brain_all_scope: a first call caches a token (whose fetch sets the path), then the flag is set for good."""
    ok(client.getGroupList())
    client._isCloudUser = True
    session = client._AipBase__client
    sent = []
    original = session.post

    def recording(url, **kwargs):
        sent.append(kwargs)
        return original(url, **kwargs)

    session.post = recording
    ok(client.getGroupList())
    assert "access_token" not in sent[-1]["params"] and sent[-1]["headers"]["authorization"].startswith("bce-auth-v1/")
    return client


# --- auth ------------------------------------------------------------------------------------------------------


def test_token_call_get_and_post_and_its_errors(baidu_env, account):
    _, key, secret, _ = account
    url = f"{baidu_env.url}/oauth/2.0/token"
    query = {"grant_type": "client_credentials", "client_id": key, "client_secret": secret}
    for answer in (requests.get(url, params=query, timeout=30), requests.post(url, data=query, timeout=30)):
        body = answer.json()
        assert answer.status_code == 200 and set(body) == {"access_token", "expires_in", "scope"}
        assert body["expires_in"] == 2592000 and "brain_all_scope" in body["scope"].split(" ")
    wrong = requests.get(url, params={**query, "client_secret": "nope"}, timeout=30)
    unknown = requests.get(url, params={**query, "client_id": "nobody"}, timeout=30)
    for answer in (wrong, unknown):
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    grant = requests.get(url, params={**query, "grant_type": "password"}, timeout=30)
    assert grant.json()["error"] == "unsupported_grant_type"


def test_token_errors_100_110_111_and_the_signed_path(baidu_env, account, photo):
    from facesets.api.baidu import auth
    from facesets.services import projects

    client, key, secret, project = account
    url = f"{baidu_env.url}/rest/2.0/face/v2/faceset/group/getlist"
    assert error(requests.post(url, timeout=30).json(), 100)
    assert error(requests.post(url, params={"access_token": "garbage"}, timeout=30).json(), 110)
    credential = project.credentials.get(access_key=key)
    stale = auth.credential_token_issue(credential=credential, salt=auth.TOKEN_SALT, ttl=auth.TOKEN_TTL)[0]
    expired = requests.post(url, params={"access_token": _aged(stale)}, timeout=30).json()
    assert error(expired, 111)
    # The signed path (the client takes it when a token reply lacks brain_all_scope): verified, a bad one is 14.
    signed = sign_every_call(client_class(baidu_env.url)("app", key, secret))
    ok(signed.getGroupList())
    forged = client_class(baidu_env.url)("app", key, secret + "x")
    forged._isCloudUser = True
    assert error(forged.getGroupList(), 14) == "IAM Certification failed"
    # A revoked key: its token is refused with 110; the client refetches once, is refused a token (invalid_client),
    # and its retry then carries no token (100).
    other, other_key, other_secret, other_project = baidu_env.account()
    ok(other.getGroupList())
    token = requests.get(
        f"{baidu_env.url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": other_key, "client_secret": other_secret},
        timeout=30,
    ).json()["access_token"]
    projects.credential_revoke(credential=other_project.credentials.get(access_key=other_key))
    assert error(requests.post(url, params={"access_token": token}, timeout=30).json(), 110)
    assert other.getGroupList().get("error_code") in (100, 110, 14)


def _aged(token: str) -> str:
    """The same token, signed 31 days ago (expired past the grace period)."""
    import time
    from unittest import mock

    from django.core import signing

    from facesets.api.baidu import auth

    payload = signing.loads(token, salt=auth.TOKEN_SALT)
    with mock.patch("time.time", return_value=time.time() - 31 * 86400):
        return signing.dumps(payload, salt=auth.TOKEN_SALT, compress=True)


# --- detect and match -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["access_token", "bce-auth-v1"])
def test_detect_fields(baidu_env, photo, path):
    client, *_ = baidu_env.account()
    if path == "bce-auth-v1":
        sign_every_call(client)

    plain = ok(client.detect(photo(SAME_A)))
    assert plain["result_num"] == 1 == len(plain["result"])
    face = plain["result"][0]
    assert set(face) == {"location", "face_probability", "rotation_angle", "yaw", "pitch", "roll"}
    assert set(face["location"]) == {"left", "top", "width", "height"} and 0 < face["face_probability"] <= 1
    assert face["yaw"] > 10  # the turned face of the labelled set
    full = ok(client.detect(photo(SAME_A), {"face_fields": "landmark,qualities,age,gender", "max_face_num": 5}))
    face = full["result"][0]
    assert len(face["landmark"]) == 4 and len(face["landmark72"]) == 72
    box = face["location"]
    assert all(box["left"] <= point["x"] <= box["left"] + box["width"] for point in face["landmark"])
    assert face["qualities"]["completeness"] == 0 and 0 <= face["qualities"]["blur"] <= 1
    # Nothing without a model here is made up.
    assert not {"age", "gender", "beauty", "race", "glasses", "expression", "faceshape"} & set(face)
    assert not {"occlusion", "type", "illumination"} & set(face["qualities"])
    assert ok(client.detect(photo(NO_FACE))) | {"log_id": 0} == {"result_num": 0, "result": [], "log_id": 0}


def test_detect_errors(client, photo):
    assert error(client.detect(b"not an image at all"), 216201)
    big = b"\xff\xd8" + b"\0" * (2 * 1024 * 1024 + 10)  # over detect's 2 MB
    assert error(client.detect(big), 216202)


def test_match_every_pair_and_its_errors(client, photo):
    answer = ok(client.match([photo(SAME_A), photo(SAME_B), photo(OTHER)]))
    scores = {(pair["index_i"], pair["index_j"]): pair["score"] for pair in answer["result"]}
    assert answer["result_num"] == 3 and set(scores) == {(0, 1), (0, 2), (1, 2)}
    assert scores[(0, 1)] >= 80 > max(scores[(0, 2)], scores[(1, 2)])
    skipped = ok(client.match([photo(SAME_A), b"broken", photo(SAME_B)]))
    assert [(pair["index_i"], pair["index_j"]) for pair in skipped["result"]] == [(0, 2)]
    assert error(client.match([photo(SAME_A), photo(NO_FACE)]), 216402)


# --- the user library ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["access_token", "bce-auth-v1"])
def test_users_and_groups_through_the_client(baidu_env, photo, path):
    client, *_ = baidu_env.account()
    if path == "bce-auth-v1":
        sign_every_call(client)
    ok(client.addUser("alice", "Alice A.", ["staff", "vip"], photo(SAME_A)))
    assert error(client.addUser("alice", "Alice A.", "staff", photo(SAME_A)), 216616)
    ok(client.addUser("bob", "Bob B.", "staff", photo(OTHER)))
    found = ok(client.identifyUser("staff", photo(SAME_B), {"user_top_num": 2}))
    assert found["result"][0]["uid"] == "alice" and found["result"][0]["scores"][0] >= 80
    assert found["result"][0]["group_id"] == "staff" and found["result"][0]["user_info"] == "Alice A."
    assert all(score < 80 for user in found["result"][1:] for score in user["scores"])
    verified = ok(client.verifyUser("alice", "vip", photo(SAME_B)))
    assert verified["result_num"] == 1 and verified["result"][0] >= 80
    assert ok(client.verifyUser("bob", "staff", photo(SAME_B)))["result"][0] < 80
    user = ok(client.getUser("alice"))
    assert user["result_num"] == 2 and {entry["group_id"] for entry in user["result"]} == {"staff", "vip"}
    assert all(entry["groups"] == ["staff", "vip"] and entry["user_info"] == "Alice A." for entry in user["result"])
    assert ok(client.getGroupList())["result"] == ["staff", "vip"]
    assert ok(client.getGroupList({"start": 1, "num": 1}))["result"] == ["vip"]
    assert ok(client.getGroupList({"start": 0, "end": 1}))["result"] == ["staff"]
    users = ok(client.getGroupUsers("staff"))
    assert [entry["uid"] for entry in users["result"]] == ["alice", "bob"]
    assert ok(client.getGroupUsers("no_such_group")) | {"log_id": 0} == {"result_num": 0, "result": [], "log_id": 0}
    ok(client.addGroupUser("staff", "night", "bob"))
    assert error(client.addGroupUser("staff", "night", "bob"), 216100) == "already add"
    assert error(client.addGroupUser("staff", "night", "nobody"), 216611)
    ok(client.deleteGroupUser("night", "bob"))
    assert error(client.deleteGroupUser("staff", "bob"), 216619)
    ok(client.updateUser("alice", "Alice, updated", "staff", photo(SAME_B)))
    assert ok(client.getUser("alice"))["result"][0]["user_info"] == "Alice, updated"
    assert error(client.updateUser("carol", "new", "staff", photo(OTHER)), 216611)
    ok(client.updateUser("carol", "new", "staff", photo(OTHER), {"action_type": "replace"}))
    ok(client.deleteUser("carol", {"group_id": "staff"}))
    assert error(client.getUser("carol"), 216611)
    ok(client.deleteUser("bob"))
    assert error(client.deleteUser("bob"), 216611)


def test_the_library_is_the_dashboards(baidu_env, photo):
    from facesets.models import Group, Person

    client, _, _, project = baidu_env.account()
    ok(client.addUser("dave", "Dave D.", "team", photo(OTHER)))
    person = Person.objects.get(project=project, uid="dave")
    assert person.user_data == "Dave D." and person.faces.count() == 1
    assert list(Group.objects.get(project=project, outer_id="team").persons.all()) == [person]


def test_user_errors_change_nothing(baidu_env, photo):
    from facesets.models import Face, Person

    client, key, secret, project = baidu_env.account()
    before = (Person.objects.filter(project=project).count(), Face.objects.filter(project=project).count())
    assert error(client.addUser("eve", "E", "team", photo(NO_FACE)), 216402)
    assert error(client.addUser("eve", "x" * 200 + "é" * 40, "team", photo(OTHER)), 216100)
    assert error(client.identifyUser("nobody_here", photo(SAME_A)), 216618)
    assert error(client.verifyUser("nobody", "team", photo(SAME_A)), 216611)
    token = requests.get(
        f"{baidu_env.url}/oauth/2.0/token",
        params={"grant_type": "client_credentials", "client_id": key, "client_secret": secret},
        timeout=30,
    ).json()["access_token"]
    url = f"{baidu_env.url}/rest/2.0/face/v2/faceset/user/add"
    raw = {"uid": "bad-uid!", "user_info": "i", "group_id": "team", "image": base64.b64encode(photo(OTHER)).decode()}
    assert error(requests.post(url, params={"access_token": token}, data=raw, timeout=60).json(), 216111)
    bad_group = {**raw, "uid": "eve", "group_id": "bad-group!"}
    assert error(requests.post(url, params={"access_token": token}, data=bad_group, timeout=60).json(), 216100)
    corrupt = {**raw, "uid": "eve", "image": "!!!not base64"}
    assert error(requests.post(url, params={"access_token": token}, data=corrupt, timeout=60).json(), 216200)
    missing = {key: value for key, value in raw.items() if key != "image"} | {"uid": "eve"}
    assert error(requests.post(url, params={"access_token": token}, data=missing, timeout=60).json(), 216101)
    unknown = requests.post(f"{baidu_env.url}/rest/2.0/face/v2/nope", params={"access_token": token}, timeout=30)
    assert unknown.headers["Content-Type"].startswith("application/json") and error(unknown.json(), 216102)
    huge = requests.post(
        f"{baidu_env.url}/rest/2.0/face/v1/detect",
        params={"access_token": token},
        data={"image": "A" * (13 * 1024 * 1024)},
        timeout=60,
    )
    assert error(huge.json(), 216202)
    after = (Person.objects.filter(project=project).count(), Face.objects.filter(project=project).count())
    assert after == before


def test_rate_limit_and_faces_per_user_quota(baidu_env, photo):
    from facesets.models import Project

    limited, *_ = baidu_env.account()
    client, _, _, project = baidu_env.account(max_faces_per_person=1)
    ok(client.addUser("frank", "F", "team", photo(SAME_A)))
    assert error(client.addUser("frank", "F", "team", photo(SAME_B)), 216631)
    Project.objects.filter(pk=project.pk).update(rate_limit_requests=2, rate_limit_window_seconds=60)
    answers = [client.getGroupList() for _ in range(4)]
    assert error(answers[-1], 18) == "Open api qps request limit reached"
    assert limited.getGroupList()["result_num"] == 0  # another project's credential is not limited


def test_a_match_body_over_the_default_limit_but_within_the_documents_20_mb(client, photo):
    """Two photos padded to 7 MB each: a ~19 MB urlencoded body, over the 12 MB other calls allow."""
    padded = [data + b"\0" * (7 * 1024 * 1024 - len(data)) for data in (photo(SAME_A), photo(SAME_B))]
    answer = ok(client.match(padded))
    assert answer["result"][0]["score"] >= 80
