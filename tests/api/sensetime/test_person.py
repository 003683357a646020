"""/person/create, /person/delete, /person/add_face, /person/remove_face, /person/change, and the person views
/info/person and /info/list_persons."""

from __future__ import annotations

import re

from tests.api.sensetime.conftest import EIGHT_FACES, project_of
from tests.api.sensetime.helpers import error_of


def person_info(st, person_id: str) -> dict:
    return st.call("/info/person", {"person_id": person_id}, method="GET", form="query").body


# --- /person/create -------------------------------------------------------------------------------------------------


def test_create_with_a_face(st, fresh_faces):
    # The document's curl example: JSON body, credentials in the query string.
    answer = st.call("/person/create", {"name": "xiaoming", "face_id": [fresh_faces[0]]})
    assert answer.status_code == 200
    assert set(answer.body) == {"status", "person_id", "face_count"}
    assert answer.body["status"] == "OK" and answer.body["face_count"] == 1
    assert re.fullmatch(r"[0-9a-f]{32}", answer.body["person_id"])
    info = person_info(st, answer.body["person_id"])
    assert info == {
        "status": "OK",
        "person_id": answer.body["person_id"],
        "name": "xiaoming",
        "user_data": "",
        "face_ids": [fresh_faces[0]],
    }


def test_create_in_every_argument_form(st, fresh_faces):
    # httpie's form: name=... face_id=a,b (comma-separated), form-urlencoded and multipart, and all in the query.
    form = st.call("/person/create", {"name": "p", "face_id": ",".join(fresh_faces[:2])}, form="form")
    assert form.body["face_count"] == 2
    multipart = st.call("/person/create", {"name": "p", "face_id": [fresh_faces[2], fresh_faces[3]]}, form="multipart")
    assert multipart.body["face_count"] == 2
    query = st.call("/person/create", {"name": "p", "face_id": fresh_faces[0], "user_data": "ww"}, form="query")
    assert query.body["face_count"] == 1  # moved from the first person
    assert person_info(st, query.body["person_id"])["user_data"] == "ww"


def test_create_without_faces_omits_face_count(st):
    answer = st.call("/person/create", {"name": "nobody yet", "user_data": "ww"})
    assert set(answer.body) == {"status", "person_id"}


def test_create_fails_whole_when_one_face_is_invalid(st, fresh_faces):
    before = project_of(st).persons.count()
    answer = st.call("/person/create", {"name": "x", "face_id": [fresh_faces[0], "5b9kxxfw337e4359b51923a4361b9a3d"]})
    error_of(answer, 400, "INVALID_FACE")
    assert project_of(st).persons.count() == before


def test_a_face_belongs_to_the_newest_person(st, fresh_faces):
    first = st.call("/person/create", {"name": "first", "face_id": [fresh_faces[0]]}).body["person_id"]
    second = st.call("/person/create", {"name": "second", "face_id": [fresh_faces[0]]})
    assert second.status_code == 200 and second.body["face_count"] == 1
    assert person_info(st, first)["face_ids"] == []
    assert person_info(st, second.body["person_id"])["face_ids"] == [fresh_faces[0]]


def test_create_needs_a_name(st):
    assert error_of(st.call("/person/create", {}), 400, "INVALID_ARGUMENT") == "must specify 'name' argument"
    assert "'name'" in error_of(st.call("/person/create", {"name": "  "}), 400, "INVALID_ARGUMENT")
    assert "'name'" in error_of(st.call("/person/create", {"name": "x" * 300}), 400, "INVALID_ARGUMENT")


def test_person_quotas(account_factory, st_worker):
    st = account_factory(max_persons=1, max_faces_per_person=2)
    faces = [face["face_id"] for face in st.detect(EIGHT_FACES).body["faces"]]
    assert "faces_per_person" in error_of(
        st.call("/person/create", {"name": "a", "face_id": faces[:3]}), 400, "QUOTA_EXCEEDED"
    )
    assert project_of(st).persons.count() == 0  # all or nothing
    person_id = st.call("/person/create", {"name": "a", "face_id": faces[:2]}).body["person_id"]
    assert "persons" in error_of(st.call("/person/create", {"name": "b"}), 400, "QUOTA_EXCEEDED")
    answer = st.call("/person/add_face", {"person_id": person_id, "face_id": [faces[2]]})
    assert "faces_per_person" in error_of(answer, 400, "QUOTA_EXCEEDED")


# --- /person/delete -------------------------------------------------------------------------------------------------


def test_delete_keeps_the_faces_usable(st, fresh_faces):
    person_id = st.call("/person/create", {"name": "x", "face_id": [fresh_faces[0]]}).body["person_id"]
    answer = st.call("/person/delete", {"person_id": person_id})
    assert answer.status_code == 200 and answer.body == {"status": "OK"}
    error_of(st.call("/info/person", {"person_id": person_id}, method="GET"), 400, "INVALID_PERSON")
    assert st.call("/info/face", {"face_id": fresh_faces[0]}, method="GET").status_code == 200


def test_delete_errors(st):
    error_of(st.call("/person/delete", {"person_id": "c74df9b413a44a9ab3060b7170989fa9"}), 400, "INVALID_PERSON")
    assert error_of(st.call("/person/delete", {}), 400, "INVALID_ARGUMENT") == "must specify 'person_id' argument"


# --- /person/add_face -----------------------------------------------------------------------------------------------


def test_add_face_counts(st, fresh_faces):
    person_id = st.call("/person/create", {"name": "x"}).body["person_id"]
    answer = st.call("/person/add_face", {"person_id": person_id, "face_id": fresh_faces[:2]})
    assert answer.body == {"status": "OK", "person_id": person_id, "face_count": 2, "added_count": 2}
    again = st.call(
        "/person/add_face", {"person_id": person_id, "face_id": [fresh_faces[1], fresh_faces[2]]}, form="form"
    )
    assert again.body == {"status": "OK", "person_id": person_id, "face_count": 3, "added_count": 1}


def test_add_face_moves_a_face_from_its_earlier_person(st, fresh_faces):
    first = st.call("/person/create", {"name": "a", "face_id": fresh_faces[:2]}).body["person_id"]
    second = st.call("/person/create", {"name": "b"}).body["person_id"]
    answer = st.call("/person/add_face", {"person_id": second, "face_id": fresh_faces[1]}, form="query")
    assert answer.body["added_count"] == 1
    assert person_info(st, first)["face_ids"] == [fresh_faces[0]]


def test_add_face_is_all_or_nothing(st, fresh_faces):
    person_id = st.call("/person/create", {"name": "x"}).body["person_id"]
    answer = st.call(
        "/person/add_face", {"person_id": person_id, "face_id": [fresh_faces[0], "0299a912621b44ff8ad6f0babc42f194"]}
    )
    error_of(answer, 400, "INVALID_FACE")
    assert person_info(st, person_id)["face_ids"] == []


def test_add_face_errors(st, fresh_faces):
    person_id = st.call("/person/create", {"name": "x"}).body["person_id"]
    error_of(st.call("/person/add_face", {"person_id": person_id, "face_id": []}), 400, "EMPTY_FACE_ID")
    error_of(st.call("/person/add_face", {"person_id": person_id, "face_id": ""}, form="form"), 400, "EMPTY_FACE_ID")
    answer = st.call("/person/add_face", {"person_id": "fb5c88ab48df4f23955fb15f01e843ed", "face_id": fresh_faces[0]})
    error_of(answer, 400, "INVALID_PERSON")
    assert "'face_id'" in error_of(st.call("/person/add_face", {"person_id": person_id}), 400, "INVALID_ARGUMENT")


# --- /person/remove_face --------------------------------------------------------------------------------------------


def test_remove_face_is_lenient(st, fresh_faces):
    person_id = st.call("/person/create", {"name": "x", "face_id": fresh_faces[:2]}).body["person_id"]
    answer = st.call("/person/remove_face", {"person_id": person_id, "face_id": [fresh_faces[0], "0299a912621b44ff"]})
    assert answer.body == {"status": "OK", "person_id": person_id, "face_count": 1, "removed_count": 1}
    # A face of nobody, or of someone else, is not removed from them.
    again = st.call("/person/remove_face", {"person_id": person_id, "face_id": fresh_faces[0]}, form="form")
    assert again.body == {"status": "OK", "person_id": person_id, "face_count": 1, "removed_count": 0}
    # The removed face is still a usable detected face.
    assert st.call("/info/face", {"face_id": fresh_faces[0]}, method="GET").status_code == 200


def test_remove_face_errors(st):
    person_id = st.call("/person/create", {"name": "x"}).body["person_id"]
    error_of(st.call("/person/remove_face", {"person_id": person_id, "face_id": ","}), 400, "EMPTY_FACE_ID")
    reason = error_of(st.call("/person/remove_face", {"person_id": person_id}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'face_id' argument"
    answer = st.call("/person/remove_face", {"person_id": "c74df9b413a44a9ab3060b7170989fa9", "face_id": "abc"})
    error_of(answer, 400, "INVALID_PERSON")


# --- /person/change -------------------------------------------------------------------------------------------------


def test_change_name_and_user_data(st):
    person_id = st.call("/person/create", {"name": "xiaoming", "user_data": "ww"}).body["person_id"]
    assert st.call("/person/change", {"person_id": person_id, "name": "xiaohong"}).body == {"status": "OK"}
    assert (person_info(st, person_id)["name"], person_info(st, person_id)["user_data"]) == ("xiaohong", "ww")
    assert st.call("/person/change", {"person_id": person_id, "user_data": "new"}, form="form").status_code == 200
    assert (person_info(st, person_id)["name"], person_info(st, person_id)["user_data"]) == ("xiaohong", "new")


def test_change_errors(st):
    person_id = st.call("/person/create", {"name": "x"}).body["person_id"]
    reason = error_of(st.call("/person/change", {"person_id": person_id}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'name' or 'user_data' argument"
    answer = st.call("/person/change", {"person_id": "c74df9b413a44a9ab3060b7170989fa9", "name": "xiaohong"})
    error_of(answer, 400, "INVALID_PERSON")


# --- /info/person, /info/list_persons -------------------------------------------------------------------------------


def test_info_person_errors(st):
    error_of(
        st.call("/info/person", {"person_id": "5d8db5415b5a4bfdb5233edd433e13e1"}, method="GET"), 400, "INVALID_PERSON"
    )
    assert (
        error_of(st.call("/info/person", method="GET"), 400, "INVALID_ARGUMENT") == "must specify 'person_id' argument"
    )


def test_list_persons(account_factory):
    st = account_factory()
    assert st.call("/info/list_persons", method="GET").body == {"status": "OK", "persons": []}
    first = st.call("/person/create", {"name": "p1"}).body["person_id"]
    second = st.call("/person/create", {"name": "test1"}).body["person_id"]
    answer = st.call("/info/list_persons", method="GET")
    assert answer.body == {
        "status": "OK",
        "persons": [{"person_id": first, "name": "p1"}, {"person_id": second, "name": "test1"}],
    }
