"""Face++ v3 through the unmodified python-facepp 0.1.0a5 client (facepplib) against a live server and a real worker:
every endpoint, the documented fields, each documented error as the exception the client raises for it (at the HTTP
level where the client itself is broken: IMAGE_FILE_TOO_LARGE and EMPTY_FACESET raise TypeError in it,
AUTHORIZATION_ERROR UnknownError(403), the plain-text 413 JSONDecodeError)."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from facepplib import exceptions as fe

from recognition.calibration import FACEPP_THRESHOLDS
from recognition.landmarks import FACEPP_83, FACEPP_106

SAME_A, SAME_B = "people/person04/img58.jpg", "people/person04/img14.jpg"
OTHER = "people/person01/img4.jpg"
GROUP = "groups/compreface__016_8.jpg"  # 8 faces
NO_FACE = "no_face/compreface_017_0_landscape.jpg"
PNG = "formats/formats/albert_einstein/einstein.png"
OVER_2MB = "more_people/shea_whigham/1.jpg"  # 2,752,771 bytes
CORRUPT = "invalid/truncated.jpg"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
MEASURED = {"headpose", "blur", "facequality", "smile", "eyestatus", "mouthstatus"}


def argument(error: Exception) -> str:
    """The details the client put in its exception's message: "<its text> (<details>)"."""
    match = re.search(r"\((.*)\)$", str(error.args[0]))
    assert match, error.args
    return match.group(1)


@pytest.fixture(scope="module")
def account(facepp_env):
    return facepp_env.account(max_face_sets=20)


@pytest.fixture(scope="module")
def facepp(account):
    return account[0]


def raw(facepp_env, account, path: str, data: dict | None = None, files: dict | None = None, **kwargs):
    """A call over plain HTTP with the account's key pair (for what the client cannot show)."""
    _, key, secret, _ = account
    body = {"api_key": key, "api_secret": secret, **(data or {})}
    return requests.post(f"{facepp_env.url}{path}", data=body, files=files, timeout=60, **kwargs)


def state(project) -> tuple:
    from facesets.models import Face, FaceSet, FaceSetMember

    return (
        Face.objects.filter(project=project).count(),
        sorted(FaceSet.objects.filter(project=project).values_list("faceset_token", "outer_id", "face_count")),
        FaceSetMember.objects.filter(face_set__project=project).count(),
    )


# --- detect -----------------------------------------------------------------------------------------------------


def test_detect_a_file_with_83_landmarks_and_the_measured_attributes(facepp, facepp_env):
    image = facepp.image.get(
        image_file=facepp_env.path(SAME_A),
        return_landmark=1,
        return_attributes=["gender", "age", "smiling", "headpose", "facequality", "blur", "eyestatus", "mouthstatus"],
    )
    body = image.raw()
    assert body["image_id"] == image.image_id and body["face_num"] == len(body["faces"]) == 1
    assert isinstance(body["time_used"], int) and re.match(r"^\d+,\S+$", body["request_id"])
    face = body["faces"][0]
    assert TOKEN.match(face["face_token"])
    box = face["face_rectangle"]
    assert set(box) == {"top", "left", "width", "height"} and all(isinstance(v, int) for v in box.values())
    assert set(face["landmark"]) == {name for name, _, _ in FACEPP_83} and len(face["landmark"]) == 83
    inside = [p for p in face["landmark"].values() if box["left"] - 40 <= p["x"] <= box["left"] + box["width"] + 40]
    assert len(inside) == 83
    attributes = face["attributes"]
    assert set(attributes) == MEASURED  # gender and age have no model here: left out
    assert set(attributes["headpose"]) == {"pitch_angle", "roll_angle", "yaw_angle"}
    assert attributes["facequality"]["threshold"] == 70.1 and 0 <= attributes["facequality"]["value"] <= 100
    assert attributes["blur"] == {"blurness": {"value": attributes["blur"]["blurness"]["value"], "threshold": 50.0}}
    assert attributes["smile"]["threshold"] == 50.0
    for eye in ("left_eye_status", "right_eye_status"):
        status = attributes["eyestatus"][eye]
        assert set(status) == {"no_glass_eye_open", "no_glass_eye_close"}
        assert status["no_glass_eye_open"] > 50 and abs(sum(status.values()) - 100) < 0.01
    assert attributes["mouthstatus"]["open"] > 50  # he is talking: the inner lips are apart
    # the client's own resources read the reply: faces with their tokens
    assert [f.face_token for f in image.faces] == [face["face_token"]]


def test_detect_106_landmarks_from_base64_and_new_tokens_each_time(facepp, facepp_env):
    encoded = base64.b64encode(facepp_env.photo(PNG)).decode()
    first = facepp.image.get(image_base64=encoded, return_landmark=2).raw()
    second = facepp.image.get(image_base64=encoded).raw()
    assert set(first["faces"][0]["landmark"]) == {name for name, _, _ in FACEPP_106}
    assert "landmark" not in second["faces"][0] and "attributes" not in second["faces"][0]
    assert first["faces"][0]["face_token"] != second["faces"][0]["face_token"]
    assert first["image_id"] != second["image_id"]


def test_group_photo_largest_first_and_only_five_analysed_unless_calculate_all(facepp, facepp_env):
    body = facepp.image.get(image_file=facepp_env.path(GROUP), return_attributes=["headpose"]).raw()
    faces = body["faces"]
    assert body["face_num"] == len(faces) == 8
    areas = [f["face_rectangle"]["width"] * f["face_rectangle"]["height"] for f in faces]
    assert areas == sorted(areas, reverse=True)
    assert [("attributes" in f) for f in faces] == [True] * 5 + [False] * 3
    everything = facepp.image.get(image_file=facepp_env.path(GROUP), return_attributes="headpose", calculate_all=1)
    assert all("headpose" in f["attributes"] for f in everything.raw()["faces"])
    # face.all() (detect with the client's start=1) lists the same faces
    assert len(list(facepp.face.all(image_file=facepp_env.path(GROUP)))) == 8


def test_face_rectangle_chooses_the_face_it_overlaps(facepp, facepp_env):
    faces = facepp.image.get(image_file=facepp_env.path(GROUP)).raw()["faces"]
    third = faces[2]["face_rectangle"]
    rectangle = f"{third['top']},{third['left']},{third['width']},{third['height']}"
    chosen = facepp.image.get(image_file=facepp_env.path(GROUP), face_rectangle=rectangle).raw()
    assert chosen["face_num"] == 1 and chosen["faces"][0]["face_rectangle"] == third


def test_detect_a_photo_without_a_face_is_an_empty_list(facepp, facepp_env):
    body = facepp.image.get(image_file=facepp_env.path(NO_FACE)).raw()
    assert body["faces"] == [] and body["face_num"] == 0 and body["image_id"]


def test_analyze_getdetail_setuserid_and_the_lazy_attributes(facepp, facepp_env):
    token = facepp.image.get(image_file=facepp_env.path(SAME_B)).raw()["faces"][0]["face_token"]
    analysed = facepp.face.filter(face_tokens=[token], return_landmark=1, return_attributes=["mouthstatus", "blur"])
    [face] = list(analysed)
    assert face.face_token == token and set(face.raw()["attributes"]) == {"mouthstatus", "blur"}
    assert face.raw()["attributes"]["mouthstatus"]["close"] > 50  # the same man with his lips closed
    assert len(face.raw()["landmark"]) == 83
    # a lazy attribute the client fetches with analyze and return_attributes=smile
    lazy = facepp.face.get(face_token=token)
    assert 0 <= lazy.smile["value"] <= 100
    with pytest.raises(KeyError):  # documented: no gender model, the client finds no key
        _ = lazy.gender
    detail = facepp.face.get(face_token=token).raw()
    assert detail["user_id"] == "" and detail["facesets"] == [] and TOKEN.match(detail["image_id"])
    updated = facepp.face.update(face_token=token, user_id="alice-01")
    assert updated.raw()["user_id"] == "alice-01"
    assert facepp.face.get(face_token=token).raw()["user_id"] == "alice-01"
    with pytest.raises(fe.VoidRequest):
        list(facepp.face.filter(face_tokens=[token], return_landmark=0, return_attributes="none"))
    with pytest.raises(fe.InvalidFaceTokensSize):
        list(facepp.face.filter(face_tokens=[token, *[str(n) * 32 for n in range(5)]], return_landmark=1))
    with pytest.raises(fe.InvalidFaceToken) as unknown:
        list(facepp.face.filter(face_tokens=["0" * 32], return_landmark=1))
    assert argument(unknown.value) == "0" * 32
    with pytest.raises(fe.BadArguments) as bad:
        facepp.face.update(face_token=token, user_id="no,commas")
    assert argument(bad.value) == "user_id"
    with pytest.raises(fe.ApiNotFound):  # the 1000-point landmark product: no model here
        list(facepp.face.filter(face_tokens=[token], return_landmark="all"))


# --- compare and search -----------------------------------------------------------------------------------------


def test_compare_same_person_above_1e4_and_different_people_below_1e3(facepp, facepp_env):
    same = facepp.compare.get(image_file1=facepp_env.path(SAME_A), image_file2=facepp_env.path(SAME_B))
    body = same.raw()
    assert body["thresholds"] == FACEPP_THRESHOLDS and body["confidence"] > FACEPP_THRESHOLDS["1e-4"]
    assert TOKEN.match(body["faces1"][0]["face_token"]) and body["image_id1"] and body["image_id2"]
    assert same.image1.faces[0].face_token == body["faces1"][0]["face_token"]
    token1 = body["faces1"][0]["face_token"]
    different = facepp.compare.get(face_token1=token1, image_base64_2=base64.b64encode(facepp_env.photo(OTHER)))
    assert different.raw()["confidence"] < FACEPP_THRESHOLDS["1e-3"]
    assert "faces1" not in different.raw() and different.raw()["faces2"]
    nobody = facepp.compare.get(face_token1=token1, image_file2=facepp_env.path(NO_FACE)).raw()
    assert nobody["faces2"] == [] and "confidence" not in nobody and "thresholds" not in nobody
    with pytest.raises(fe.MissingArguments) as missing:
        facepp.compare.get(face_token1=token1)
    assert argument(missing.value) == "face_token2, image_url2, image_file2, image_base64_2"


def test_a_faceset_end_to_end_with_search(facepp, facepp_env, account):
    _, _, _, project = account
    enrolled = facepp.image.get(image_file=facepp_env.path(SAME_A)).raw()["faces"][0]["face_token"]
    stranger = facepp.image.get(image_file=facepp_env.path(OTHER)).raw()["faces"][0]["face_token"]
    created = facepp.face_set.create(
        outer_id="staff", display_name="Staff", tags="office,paris", face_tokens=[enrolled, "f" * 32]
    ).raw()
    assert TOKEN.match(created["faceset_token"]) and created["outer_id"] == "staff"
    assert created["face_added"] == 1 and created["face_count"] == 1
    assert created["failure_detail"] == [{"face_token": "f" * 32, "reason": "INVALID_FACE_TOKEN"}]
    faceset = created["faceset_token"]
    # addface, the client's only route: Face.save(outer_ids=...) (getdetail, removeface from each set, addface)
    face = facepp.face.get(face_token=stranger)
    face.save(outer_ids="staff", user_id="bob")
    detail = facepp.face_set.get(outer_id="staff").raw()
    assert detail["face_tokens"] == [enrolled, stranger] and detail["face_count"] == 2
    assert detail["display_name"] == "Staff" and detail["tags"] == "office,paris" and "next" not in detail
    assert facepp.face.get(face_token=stranger).raw()["facesets"][0]["faceset_token"] == faceset
    # search by a second photo of the enrolled person: found first, above the 1e-4 threshold
    found = facepp.search.get(image_file=facepp_env.path(SAME_B), outer_id="staff", return_result_count=2).raw()
    assert [r["face_token"] for r in found["results"]] == [enrolled, stranger]
    assert found["results"][0]["confidence"] > FACEPP_THRESHOLDS["1e-4"] > found["results"][1]["confidence"]
    assert found["results"][1]["user_id"] == "bob" and found["results"][0]["user_id"] == ""
    assert found["thresholds"] == FACEPP_THRESHOLDS and len(found["faces"]) == 1 and found["image_id"]
    by_token = facepp.search.get(face_token=stranger, faceset_token=faceset).raw()
    assert [r["face_token"] for r in by_token["results"]] == [stranger] and "faces" not in by_token
    # update, list, remove, delete
    assert facepp.face_set.update(outer_id="staff", new_outer_id="team", tags="office").raw()["outer_id"] == "team"
    listed = {s.faceset_token: s.raw() for s in facepp.face_set.all(tags="office")}
    item = {"faceset_token": faceset, "outer_id": "team", "display_name": "Staff", "tags": "office"}
    assert listed[faceset].items() >= item.items()
    assert not [s for s in facepp.face_set.all(tags="paris")]
    with pytest.raises(fe.FacesetNotEmpty):
        facepp.face_set.delete(faceset_token=faceset)
    removed = facepp.engine.request(
        "post", f"{facepp.url}/facepp/v3/faceset/removeface", data={"outer_id": "team", "face_tokens": stranger}
    )
    assert removed["face_removed"] == 1 and removed["face_count"] == 1 and removed["failure_detail"] == []
    from facesets.models import Face

    expires = Face.objects.get(project=project, face_token=stranger).expires
    assert expires is not None and abs(expires - timezone.now() - timedelta(hours=72)) < timedelta(minutes=5)
    assert facepp.face_set.delete(faceset_token=faceset, check_empty=0).raw()["faceset_token"] == faceset
    assert Face.objects.get(project=project, face_token=enrolled).expires is not None  # expiring, not deleted
    with pytest.raises(fe.InvalidFacesetToken):
        facepp.face_set.get(faceset_token=faceset)


def test_faceset_errors_reach_the_client_as_its_exceptions(facepp, facepp_env, account):
    _, _, _, project = account
    facepp.face_set.create(outer_id="dup")
    facepp.face_set.create(outer_id="other")
    token = facepp.image.get(image_file=facepp_env.path(SAME_B)).raw()["faces"][0]["face_token"]
    before = state(project)
    with pytest.raises(fe.FacesetExist):
        facepp.face_set.create(outer_id="dup")
    with pytest.raises(fe.NewOuterIdExist):
        facepp.face_set.update(outer_id="other", new_outer_id="dup")
    with pytest.raises(fe.InvalidOuterId):
        facepp.face_set.get(outer_id="nobody")
    with pytest.raises(fe.InvalidFacesetToken):
        facepp.face_set.update(faceset_token="0" * 32, display_name="x")
    with pytest.raises(fe.BadArguments) as bad:
        facepp.face_set.create(outer_id="a*b")
    assert argument(bad.value) == "outer_id"
    with pytest.raises(fe.InvalidFaceTokensSize):
        facepp.face_set.create(outer_id="many", face_tokens=[str(n) * 32 for n in range(6)])
    with pytest.raises(fe.MissingArguments):
        facepp.search.get(face_token="0" * 32)
    # EMPTY_FACESET: the client maps it to an exception class that needs an argument (TypeError); checked on the wire
    empty = raw(facepp_env, account, "/facepp/v3/search", {"outer_id": "dup", "face_token": "0" * 32})
    assert (empty.status_code, empty.json()["error_message"]) == (400, "INVALID_FACE_TOKEN: " + "0" * 32)
    empty = raw(facepp_env, account, "/facepp/v3/search", {"outer_id": "dup", "face_token": token})
    assert (empty.status_code, empty.json()["error_message"]) == (400, "EMPTY_FACESET")
    assert state(project) == before


def test_faceset_quota(facepp_env):
    facepp, _, _, project = facepp_env.account(max_face_sets=2)
    facepp.face_set.create(outer_id="one")
    facepp.face_set.create(display_name="two")
    with pytest.raises(fe.FaceQuotaExceeded):
        facepp.face_set.create(outer_id="three")
    assert project.face_sets.count() == 2


def test_faces_are_shared_with_the_other_dialects(facepp, facepp_env, account):
    """A FaceSet is a face set: SenseTime sees the Face++ FaceSet and its faces, and a SenseTime-detected face
    joins a FaceSet by its face token."""
    from facesets.models import Face, FaceSet
    from tests.api.sensetime.helpers import SenseTime

    _, key, secret, project = account
    st = SenseTime(api_id=key, api_secret=secret, data=facepp_env.data, base_url=facepp_env.url)
    detected = st.detect(SAME_B).body["faces"][0]["face_id"]
    token = Face.objects.get(project=project, face_id=detected).face_token
    created = facepp.face_set.create(outer_id="shared", face_tokens=[token]).raw()
    assert created["face_added"] == 1
    face_set = FaceSet.objects.get(project=project, faceset_token=created["faceset_token"])
    info = st.call("/info/faceset", {"faceset_id": face_set.face_set_id}, method="GET", form="query").body
    assert info["status"] == "OK" and detected in info["face_ids"]


# --- expiry -----------------------------------------------------------------------------------------------------


def test_a_token_outside_a_faceset_expires_after_72_hours(facepp, facepp_env, account):
    from facesets.models import Face
    from facesets.services.faces import expired_purge

    _, _, _, project = account
    token = facepp.image.get(image_file=facepp_env.path(SAME_B)).raw()["faces"][0]["face_token"]
    kept = facepp.image.get(image_file=facepp_env.path(OTHER)).raw()["faces"][0]["face_token"]
    facepp.face_set.create(outer_id="keeper", face_tokens=[kept])
    face = Face.objects.get(project=project, face_token=token)
    assert abs(face.expires - timezone.now() - timedelta(hours=72)) < timedelta(minutes=5)
    later = timezone.now() + timedelta(hours=72, minutes=1)
    # the clock moved 72 h: the detection is gone, the FaceSet's face stays
    Face.objects.filter(pk=face.pk).update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(fe.InvalidFaceToken):
        facepp.face.get(face_token=token)
    expired_purge(now=later)
    assert not Face.objects.filter(face_token=token).exists()
    assert facepp.face.get(face_token=kept).raw()["facesets"][0]["outer_id"] == "keeper"


# --- bad input and credentials ----------------------------------------------------------------------------------


def test_bad_images_get_the_documented_errors_and_change_nothing(facepp, facepp_env, account):
    _, _, _, project = account
    before = state(project)
    with pytest.raises(fe.ImageErrorUnsupportedFormat) as corrupt:
        facepp.image.get(image_file=facepp_env.path(CORRUPT))
    assert argument(corrupt.value) == "image_file"
    with pytest.raises(fe.ImageErrorUnsupportedFormat) as not_base64:
        facepp.image.get(image_base64="not base64 at all!")
    assert argument(not_base64.value) == "image_base64"
    with pytest.raises(fe.InvalidImageUrl):  # a loopback address: refused, never fetched
        facepp.image.get(image_url=f"{facepp_env.url}/healthz")
    # over 2 MB as a file: IMAGE_FILE_TOO_LARGE (the client's class wants an argument it does not pass: TypeError)
    with open(facepp_env.path(OVER_2MB), "rb") as handle:
        too_large = raw(facepp_env, account, "/facepp/v3/detect", files={"image_file": handle})
    assert (too_large.status_code, too_large.json()["error_message"]) == (400, "IMAGE_FILE_TOO_LARGE: image_file")
    with pytest.raises(TypeError):
        facepp.image.get(image_file=facepp_env.path(OVER_2MB))
    # as base64 the body is over the limit: the guide's plain-text 413, after the body was read
    with pytest.raises(fe.JSONDecodeError) as plain:
        facepp.image.get(image_base64=base64.b64encode(facepp_env.photo(OVER_2MB)).decode())
    assert plain.value.response.status_code == 413 and plain.value.response.text == "Request Entity Too Large"
    with pytest.raises(fe.MissingArguments) as missing:
        facepp.image.get(return_landmark=1)
    assert argument(missing.value) == "image_url, image_file, image_base64"
    with pytest.raises(fe.BadArguments) as bad:
        facepp.image.get(image_file=facepp_env.path(SAME_B), return_landmark=3)
    assert argument(bad.value) == "return_landmark"
    with pytest.raises(fe.InvalidFaceToken):
        facepp.face.get(face_token="0" * 32)
    assert state(project) == before


def test_credentials_methods_and_unknown_paths(facepp_env, account):
    from facepplib import FacePP

    from facesets.services.projects import credential_revoke

    _, key, secret, project = account
    wrong = FacePP(api_key=key, api_secret="wrong", url=facepp_env.url)
    with pytest.raises(fe.AuthenticationError):
        wrong.image.get(image_file=facepp_env.path(SAME_B))
    answer = requests.post(f"{facepp_env.url}/facepp/v3/detect", data={"api_key": key}, timeout=30)
    assert (answer.status_code, answer.json()) == (400, {"error_message": "MISSING_ARGUMENTS: api_secret"})
    denied = requests.post(f"{facepp_env.url}/facepp/v3/detect", data={"api_key": key, "api_secret": "x"}, timeout=30)
    assert (denied.status_code, denied.json()) == (401, {"error_message": "AUTHENTICATION_ERROR"})
    for method, path in (("get", "/facepp/v3/detect"), ("post", "/facepp/v3/nothing"), ("post", "/facepp/v3/detect/")):
        answer = requests.request(method, f"{facepp_env.url}{path}", data={"api_key": key, "api_secret": secret})
        assert (answer.status_code, answer.json()) == (404, {"error_message": "API_NOT_FOUND"})
    revoked, revoked_key, revoked_secret, _ = facepp_env.account()
    from facesets.models import Credential

    credential_revoke(credential=Credential.objects.get(access_key=revoked_key))
    with pytest.raises(fe.UnknownError):  # AUTHORIZATION_ERROR: the client only knows it as UnknownError(403)
        revoked.face_set.create(outer_id="x")
    answer = requests.post(
        f"{facepp_env.url}/facepp/v3/faceset/create", data={"api_key": revoked_key, "api_secret": revoked_secret}
    )
    assert (answer.status_code, answer.json()["error_message"]) == (403, "AUTHORIZATION_ERROR: Denied by Client")


def test_the_rate_limit_is_concurrency_limit_exceeded(facepp_env):
    limited, *_ = facepp_env.account(rate_limit_requests=2, rate_limit_window_seconds=60)
    assert list(limited.face_set.all()) == list(limited.face_set.all()) == []
    with pytest.raises(fe.ConcurrencyLimitExceeded):
        list(limited.face_set.all())


def test_the_readme_example_runs(facepp_env, repo_root, capsys):
    _, key, secret, _ = facepp_env.account()
    readme = (repo_root / "README.md").read_text()
    code = readme.split("## Face++ v3", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 5
    code = code.replace('"http://127.0.0.1:8000"', repr(facepp_env.url))
    code = code.replace('"alice.jpg"', repr(facepp_env.path(SAME_A))).replace('"me.jpg"', repr(facepp_env.path(SAME_B)))
    namespace = {"ACCESS_KEY": key, "SECRET_KEY": secret}
    exec(code, namespace)
    printed = capsys.readouterr().out
    assert namespace["token"] in printed and "'confidence'" in printed
