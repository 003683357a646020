"""/faceset/create, /faceset/delete, /faceset/add_face, /faceset/remove_face, /faceset/change, and the face set
views /info/faceset and /info/list_facesets."""

from __future__ import annotations

import re

from tests.api.sensetime.conftest import EIGHT_FACES, project_of
from tests.api.sensetime.helpers import error_of

UNKNOWN_FACE = "5b9kxxfw337e4359b51923a4361b9a3d"


def face_set_info(st, face_set_id: str) -> dict:
    return st.call("/info/faceset", {"faceset_id": face_set_id}, method="GET", form="query").body


def test_create_with_faces(st, fresh_faces):
    answer = st.call("/faceset/create", {"name": "faceset1", "face_id": fresh_faces[:2], "user_data": "USER_DATA"})
    assert set(answer.body) == {"status", "faceset_id", "name", "face_count"}
    assert (answer.body["status"], answer.body["name"], answer.body["face_count"]) == ("OK", "faceset1", 2)
    assert re.fullmatch(r"[A-Za-z0-9]{8}", answer.body["faceset_id"])  # FaceLib's face set ids (shared with Huawei)
    assert face_set_info(st, answer.body["faceset_id"]) == {
        "status": "OK",
        "faceset_id": answer.body["faceset_id"],
        "name": "faceset1",
        "user_data": "USER_DATA",
        "face_ids": fresh_faces[:2],
    }


def test_create_in_httpie_form_and_without_faces(st, fresh_faces):
    answer = st.call("/faceset/create", {"name": "httpie", "face_id": ",".join(fresh_faces[:2])}, form="form")
    assert answer.body["face_count"] == 2
    assert set(st.call("/faceset/create", {"name": "empty"}).body) == {"status", "faceset_id", "name"}


def test_create_fails_whole_when_one_face_is_invalid(st, fresh_faces):
    answer = st.call("/faceset/create", {"name": "broken", "face_id": [fresh_faces[0], UNKNOWN_FACE]})
    error_of(answer, 400, "INVALID_FACE")
    assert not project_of(st).face_sets.filter(name="broken").exists()


def test_create_errors(st):
    assert error_of(st.call("/faceset/create", {}), 400, "INVALID_ARGUMENT") == "must specify 'name' argument"
    st.call("/faceset/create", {"name": "taken"})
    assert "'name'" in error_of(st.call("/faceset/create", {"name": "taken"}), 400, "INVALID_ARGUMENT")
    assert "'name'" in error_of(st.call("/faceset/create", {"name": "no spaces"}), 400, "INVALID_ARGUMENT")


def test_face_set_quotas(account_factory, st_worker):
    from facesets.models import FaceSet

    st = account_factory(max_face_sets=1)
    faces = [face["face_id"] for face in st.detect(EIGHT_FACES).body["faces"]]
    face_set_id = st.call("/faceset/create", {"name": "one", "face_id": faces[:1]}).body["faceset_id"]
    assert "facesets" in error_of(st.call("/faceset/create", {"name": "two"}), 400, "QUOTA_EXCEEDED")
    FaceSet.objects.filter(face_set_id=face_set_id).update(capacity=2)  # a small faces_per_faceset
    answer = st.call("/faceset/add_face", {"faceset_id": face_set_id, "face_id": faces[1:3]})
    assert "faces_per_faceset" in error_of(answer, 400, "QUOTA_EXCEEDED")
    assert face_set_info(st, face_set_id)["face_ids"] == faces[:1]  # all or nothing


def test_delete_keeps_the_faces_usable(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "doomed", "face_id": [fresh_faces[0]]}).body["faceset_id"]
    assert st.call("/faceset/delete", {"faceset_id": face_set_id}).body == {"status": "OK"}
    error_of(st.call("/info/faceset", {"faceset_id": face_set_id}, method="GET"), 400, "INVALID_FACESET")
    assert st.call("/info/face", {"face_id": fresh_faces[0]}, method="GET").status_code == 200


def test_delete_errors(st):
    error_of(st.call("/faceset/delete", {"faceset_id": "ec72017732e447a08d4516a9b294750f"}), 400, "INVALID_FACESET")
    assert error_of(st.call("/faceset/delete", {}), 400, "INVALID_ARGUMENT") == "must specify 'faceset_id' argument"


def test_add_face_counts(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "adding", "face_id": [fresh_faces[0]]}).body["faceset_id"]
    answer = st.call("/faceset/add_face", {"faceset_id": face_set_id, "face_id": fresh_faces[:3]})
    assert answer.body == {
        "status": "OK",
        "faceset_id": face_set_id,
        "name": "adding",
        "face_count": 3,
        "added_count": 2,
    }
    # A face may be in several face sets (and of a person at the same time).
    other = st.call("/faceset/create", {"name": "other"}).body["faceset_id"]
    answer = st.call("/faceset/add_face", {"faceset_id": other, "face_id": ",".join(fresh_faces[:1])}, form="form")
    assert (answer.body["face_count"], answer.body["added_count"]) == (1, 1)


def test_add_face_is_all_or_nothing(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "strict"}).body["faceset_id"]
    answer = st.call("/faceset/add_face", {"faceset_id": face_set_id, "face_id": [fresh_faces[0], UNKNOWN_FACE]})
    error_of(answer, 400, "INVALID_FACE")
    assert face_set_info(st, face_set_id)["face_ids"] == []


def test_add_face_errors(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "errors"}).body["faceset_id"]
    error_of(st.call("/faceset/add_face", {"faceset_id": face_set_id, "face_id": []}), 400, "EMPTY_FACE_ID")
    answer = st.call("/faceset/add_face", {"faceset_id": "ec72017732e447a08d4516a9b294750f", "face_id": fresh_faces[0]})
    error_of(answer, 400, "INVALID_FACESET")


def test_remove_face_is_lenient(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "removing", "face_id": fresh_faces[:2]}).body["faceset_id"]
    answer = st.call("/faceset/remove_face", {"faceset_id": face_set_id, "face_id": [fresh_faces[0], UNKNOWN_FACE]})
    assert answer.body == {
        "status": "OK",
        "faceset_id": face_set_id,
        "name": "removing",
        "face_count": 1,
        "removed_count": 1,
    }
    assert st.call("/info/face", {"face_id": fresh_faces[0]}, method="GET").status_code == 200


def test_remove_face_errors(st):
    face_set_id = st.call("/faceset/create", {"name": "remove-errors"}).body["faceset_id"]
    error_of(st.call("/faceset/remove_face", {"faceset_id": face_set_id, "face_id": []}), 400, "EMPTY_FACE_ID")
    answer = st.call("/faceset/remove_face", {"faceset_id": "ec72017732e447a08d4516a9b294750f", "face_id": "x"})
    error_of(answer, 400, "INVALID_FACESET")


def test_change(st):
    face_set_id = st.call("/faceset/create", {"name": "before", "user_data": "a"}).body["faceset_id"]
    answer = st.call("/faceset/change", {"faceset_id": face_set_id, "name": "NAME", "user_data": "USER_DATA"})
    assert answer.body == {"status": "OK"}
    info = face_set_info(st, face_set_id)
    assert (info["name"], info["user_data"]) == ("NAME", "USER_DATA")
    reason = error_of(st.call("/faceset/change", {"faceset_id": face_set_id}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'name' or 'user_data' argument"
    answer = st.call("/faceset/change", {"faceset_id": "ec72017732e447a08d4516a9b294750f", "name": "NAME"})
    error_of(answer, 400, "INVALID_FACESET")


def test_info_faceset_errors(st):
    answer = st.call("/info/faceset", {"faceset_id": "fd50405e24044bdb9846147145cf5c41"}, method="GET")
    error_of(answer, 400, "INVALID_FACESET")
    reason = error_of(st.call("/info/faceset", method="GET"), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'faceset_id' argument"


def test_list_facesets(account_factory):
    st = account_factory()
    assert st.call("/info/list_facesets", method="GET").body == {"status": "OK", "facesets": []}
    first = st.call("/faceset/create", {"name": "facesettest1"}).body["faceset_id"]
    second = st.call("/faceset/create", {"name": "faceset1"}).body["faceset_id"]
    assert st.call("/info/list_facesets", method="GET").body == {
        "status": "OK",
        "facesets": [{"faceset_id": first, "name": "facesettest1"}, {"faceset_id": second, "name": "faceset1"}],
    }


def test_info_faceset_pages_its_face_ids(st, fresh_faces):
    face_set_id = st.call("/faceset/create", {"name": "paged", "face_id": fresh_faces}).body["faceset_id"]
    first = st.call("/info/faceset", {"faceset_id": face_set_id, "limit": 3}, method="GET", form="query").body
    assert (first["face_ids"], first["next_offset"]) == (fresh_faces[:3], 3)
    rest = st.call("/info/faceset", {"faceset_id": face_set_id, "offset": 3}, method="GET", form="query").body
    assert rest["face_ids"] == fresh_faces[3:] and "next_offset" not in rest
    too_many = st.call("/info/faceset", {"faceset_id": face_set_id, "limit": 10_001}, method="GET", form="query")
    error_of(too_many, 400, "INVALID_ARGUMENT")
