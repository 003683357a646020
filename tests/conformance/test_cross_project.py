"""The cross-project matrix: every dialect's read and write endpoints given another project's real ids answer the
documented "unknown id" error, and neither project changes. (The ids exist: they belong to the other project.)"""

from __future__ import annotations

import pytest

from tests.conformance.conftest import project_state
from tests.conformance.dialects import facepp, huawei, sensetime

TINY = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"  # a 1x1 GIF: valid base64, never reached

# (label, method, path, arguments, expected (status, code)); `o` is the caller's side, `f` the other project's.
HUAWEI_CASES = [
    ("show a face set", "GET", lambda o, f: f"face-sets/{f.face_set_name}", lambda o, f: {}, (400, "FRS.0302")),
    ("delete a face set", "DELETE", lambda o, f: f"face-sets/{f.face_set_name}", lambda o, f: {}, (400, "FRS.0302")),
    (
        "show a face",
        "GET",
        lambda o, f: f"face-sets/{o.face_set_name}/faces",
        lambda o, f: {"face_id": f.member_face_id},
        (400, "FRS.0403"),
    ),
    (
        "update a face",
        "PUT",
        lambda o, f: f"face-sets/{o.face_set_name}/faces",
        lambda o, f: {"face_id": f.member_face_id, "external_image_id": "taken"},
        (400, "FRS.0403"),
    ),
    (
        "delete a face",
        "DELETE",
        lambda o, f: f"face-sets/{o.face_set_name}/faces",
        lambda o, f: {"face_id": f.member_face_id},
        (400, "FRS.0403"),
    ),
    (
        "search by a face",
        "POST",
        lambda o, f: f"face-sets/{o.face_set_name}/search",
        lambda o, f: {"face_id": f.member_face_id},
        (400, "FRS.0403"),
    ),
    (
        "search a face set",
        "POST",
        lambda o, f: f"face-sets/{f.face_set_name}/search",
        lambda o, f: {"image_base64": TINY},
        (400, "FRS.0302"),
    ),
    (
        "add to a face set",
        "POST",
        lambda o, f: f"face-sets/{f.face_set_name}/faces",
        lambda o, f: {"image_base64": TINY},
        (400, "FRS.0302"),
    ),
    (
        "batch delete",
        "DELETE",
        lambda o, f: f"face-sets/{f.face_set_name}/faces/batch",
        lambda o, f: {"filter": "age:[1 TO 5]"},
        (400, "FRS.0302"),
    ),
]

SENSETIME_CASES = [
    ("info person", "GET", "/info/person", lambda o, f: {"person_id": f.person_id}, (400, "INVALID_PERSON")),
    ("info group", "GET", "/info/group", lambda o, f: {"group_id": f.group_id}, (400, "INVALID_GROUP")),
    ("info faceset", "GET", "/info/faceset", lambda o, f: {"faceset_id": f.face_set_id}, (400, "INVALID_FACESET")),
    ("info face", "GET", "/info/face", lambda o, f: {"face_id": f.detected_face_id}, (400, "INVALID_FACE")),
    ("info image", "GET", "/info/image", lambda o, f: {"image_id": f.image_id}, (400, "INVALID_IMAGE")),
    ("info task", "GET", "/info/task", lambda o, f: {"task_id": f.task_id}, (400, "INVALID_TASK")),
    (
        "person create",
        "POST",
        "/person/create",
        lambda o, f: {"name": "x", "face_id": [f.detected_face_id]},
        (400, "INVALID_FACE"),
    ),
    (
        "person add face",
        "POST",
        "/person/add_face",
        lambda o, f: {"person_id": o.person_id, "face_id": [f.detected_face_id]},
        (400, "INVALID_FACE"),
    ),
    ("person delete", "POST", "/person/delete", lambda o, f: {"person_id": f.person_id}, (400, "INVALID_PERSON")),
    (
        "person change",
        "POST",
        "/person/change",
        lambda o, f: {"person_id": f.person_id, "name": "renamed"},
        (400, "INVALID_PERSON"),
    ),
    (
        "group add person",
        "POST",
        "/group/add_person",
        lambda o, f: {"group_id": o.group_id, "person_id": [f.person_id]},
        (400, "INVALID_PERSON"),
    ),
    (
        "group remove person",
        "POST",
        "/group/remove_person",
        lambda o, f: {"group_id": f.group_id, "person_id": [f.person_id]},
        (400, "INVALID_GROUP"),
    ),
    ("group delete", "POST", "/group/delete", lambda o, f: {"group_id": f.group_id}, (400, "INVALID_GROUP")),
    (
        "faceset add face",
        "POST",
        "/faceset/add_face",
        lambda o, f: {"faceset_id": o.face_set_id, "face_id": [f.detected_face_id]},
        (400, "INVALID_FACE"),
    ),
    ("faceset delete", "POST", "/faceset/delete", lambda o, f: {"faceset_id": f.face_set_id}, (400, "INVALID_FACESET")),
    (
        "verification",
        "POST",
        "/face/verification",
        lambda o, f: {"face_id": o.detected_face_id, "face2_id": f.detected_face_id},
        (400, "INVALID_FACE2"),
    ),
    (
        "search",
        "POST",
        "/face/search",
        lambda o, f: {"face_id": o.detected_face_id, "faceset_id": f.face_set_id},
        (400, "INVALID_FACESET"),
    ),
    (
        "identification",
        "POST",
        "/face/identification",
        lambda o, f: {"face_id": o.detected_face_id, "group_id": f.group_id},
        (400, "INVALID_GROUP"),
    ),
]


# Face++: (label, path, arguments, expected (status, reason)).
FACEPP_CASES = [
    (
        "faceset detail",
        "faceset/getdetail",
        lambda o, f: {"faceset_token": f.faceset_token},
        (400, "INVALID_FACESET_TOKEN"),
    ),
    ("faceset by outer_id", "faceset/getdetail", lambda o, f: {"outer_id": f.outer_id}, (400, "INVALID_OUTER_ID")),
    (
        "update a faceset",
        "faceset/update",
        lambda o, f: {"faceset_token": f.faceset_token, "display_name": "taken"},
        (400, "INVALID_FACESET_TOKEN"),
    ),
    (
        "delete a faceset",
        "faceset/delete",
        lambda o, f: {"outer_id": f.outer_id, "check_empty": "0"},
        (400, "INVALID_OUTER_ID"),
    ),
    (
        "remove from a faceset",
        "faceset/removeface",
        lambda o, f: {"faceset_token": f.faceset_token, "face_tokens": "RemoveAllFaceTokens"},
        (400, "INVALID_FACESET_TOKEN"),
    ),
    (
        "add to a faceset",
        "faceset/addface",
        lambda o, f: {"faceset_token": f.faceset_token, "face_tokens": o.detected_face_token},
        (400, "INVALID_FACESET_TOKEN"),
    ),
    ("face detail", "face/getdetail", lambda o, f: {"face_token": f.member_face_token}, (400, "INVALID_FACE_TOKEN")),
    (
        "set a user_id",
        "face/setuserid",
        lambda o, f: {"face_token": f.detected_face_token, "user_id": "taken"},
        (400, "INVALID_FACE_TOKEN"),
    ),
    (
        "analyze",
        "face/analyze",
        lambda o, f: {"face_tokens": f.detected_face_token, "return_landmark": "1"},
        (400, "INVALID_FACE_TOKEN"),
    ),
    (
        "search with a face",
        "search",
        lambda o, f: {"outer_id": o.outer_id, "face_token": f.member_face_token},
        (400, "INVALID_FACE_TOKEN"),
    ),
    (
        "search a faceset",
        "search",
        lambda o, f: {"faceset_token": f.faceset_token, "face_token": o.member_face_token},
        (400, "INVALID_FACESET_TOKEN"),
    ),
    (
        "compare",
        "compare",
        lambda o, f: {"face_token1": o.member_face_token, "face_token2": f.member_face_token},
        (400, "INVALID_FACE_TOKEN"),
    ),
]


@pytest.fixture
def both_unchanged(world):
    before = {name: project_state(side.project) for name, side in world.items()}
    yield
    assert {name: project_state(side.project) for name, side in world.items()} == before


@pytest.mark.parametrize(("label", "method", "path", "arguments", "expected"), HUAWEI_CASES, ids=lambda v: v)
def test_huawei_with_another_projects_ids(world, both_unchanged, label, method, path, arguments, expected):
    own, foreign = world["own"], world["foreign"]
    from tests.conformance.dialects import Endpoint

    dialect = huawei(own.project, own.huawei_token)
    body = "query" if method in ("GET",) or (method == "DELETE" and label != "batch delete") else "json"
    endpoint = Endpoint(method, "/v2/{project_id}/" + path(own, foreign), body=body)
    dialect.assert_error(dialect.call(endpoint, arguments(own, foreign)), expected)


@pytest.mark.parametrize(("label", "method", "path", "arguments", "expected"), SENSETIME_CASES, ids=lambda v: v)
def test_sensetime_with_another_projects_ids(world, both_unchanged, label, method, path, arguments, expected):
    from tests.conformance.dialects import Endpoint

    own, foreign = world["own"], world["foreign"]
    dialect = sensetime(own.access_key, own.secret)
    endpoint = Endpoint(method, path, body="query" if method == "GET" else "json")
    dialect.assert_error(dialect.call(endpoint, arguments(own, foreign)), expected)


def test_lenient_removes_skip_another_projects_ids(world, both_unchanged):
    from tests.conformance.dialects import Endpoint

    own, foreign = world["own"], world["foreign"]
    dialect = sensetime(own.access_key, own.secret)
    for path, arguments in (
        ("/person/remove_face", {"person_id": own.person_id, "face_id": [foreign.detected_face_id]}),
        ("/group/remove_person", {"group_id": own.group_id, "person_id": [foreign.person_id]}),
        ("/faceset/remove_face", {"faceset_id": own.face_set_id, "face_id": [foreign.member_face_id]}),
    ):
        answer = dialect.call(Endpoint("POST", path), arguments).json()
        assert (answer["status"], answer["removed_count"]) == ("OK", 0), answer


def test_a_token_or_key_of_another_project_is_refused(world, both_unchanged):
    from tests.conformance.dialects import Endpoint

    own, foreign = world["own"], world["foreign"]
    dialect = huawei(foreign.project, own.huawei_token)  # the other project's path, this project's token
    dialect.assert_error(dialect.call(Endpoint("GET", "/v2/{project_id}/face-sets", body="query")), (403, "FRS.0028"))


@pytest.mark.parametrize(("label", "path", "arguments", "expected"), FACEPP_CASES, ids=lambda v: v)
def test_facepp_with_another_projects_ids(world, both_unchanged, label, path, arguments, expected):
    from tests.conformance.dialects import Endpoint

    own, foreign = world["own"], world["foreign"]
    dialect = facepp(own.access_key, own.secret)
    dialect.assert_error(
        dialect.call(Endpoint("POST", f"/facepp/v3/{path}", body="form"), arguments(own, foreign)), expected
    )


def test_facepp_addface_reports_another_projects_tokens_as_invalid(world, both_unchanged):
    from tests.conformance.dialects import Endpoint

    own, foreign = world["own"], world["foreign"]
    dialect = facepp(own.access_key, own.secret)
    tokens = f"{foreign.detected_face_token},{foreign.member_face_token}"
    answer = dialect.call(
        Endpoint("POST", "/facepp/v3/faceset/addface", body="form"), {"outer_id": own.outer_id, "face_tokens": tokens}
    ).json()
    assert (
        answer["face_added"] == 0
        and [item["reason"] for item in answer["failure_detail"]] == ["INVALID_FACE_TOKEN"] * 2
    )
