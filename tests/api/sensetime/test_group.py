"""/group/create, /group/delete, /group/add_person, /group/remove_person, /group/change, and the group views
/info/group and /info/list_groups."""

from __future__ import annotations

import re

from tests.api.sensetime.conftest import project_of
from tests.api.sensetime.helpers import error_of

UNKNOWN_PERSON = "0299a912621b44ff8ad6f0bab42f1940"


def new_persons(st, count: int) -> list[str]:
    return [st.call("/person/create", {"name": f"testp{index}"}).body["person_id"] for index in range(count)]


def group_info(st, group_id: str) -> dict:
    return st.call("/info/group", {"group_id": group_id}, method="GET", form="query").body


def test_create_with_a_person(st):
    [person_id] = new_persons(st, 1)
    answer = st.call("/group/create", {"name": "group3", "person_id": [person_id], "user_data": "xx"})
    assert set(answer.body) == {"status", "group_id", "name", "person_count"}
    assert (answer.body["status"], answer.body["name"], answer.body["person_count"]) == ("OK", "group3", 1)
    assert re.fullmatch(r"[0-9a-f]{32}", answer.body["group_id"])
    assert group_info(st, answer.body["group_id"]) == {
        "status": "OK",
        "group_id": answer.body["group_id"],
        "name": "group3",
        "user_data": "xx",
        "persons": [{"person_id": person_id, "name": "testp0"}],
    }


def test_create_without_persons_omits_person_count(st):
    answer = st.call("/group/create", {"name": "group1"}, form="form")
    assert set(answer.body) == {"status", "group_id", "name"}


def test_create_fails_whole_when_one_person_is_invalid(st):
    [person_id] = new_persons(st, 1)
    before = project_of(st).groups.count()
    answer = st.call("/group/create", {"name": "g", "person_id": f"{person_id},{UNKNOWN_PERSON}"}, form="form")
    error_of(answer, 400, "INVALID_PERSON")
    assert project_of(st).groups.count() == before


def test_create_needs_a_name(st):
    assert error_of(st.call("/group/create", {}), 400, "INVALID_ARGUMENT") == "must specify 'name' argument"


def test_group_quotas(account_factory):
    st = account_factory(max_groups=1, max_persons_per_group=2)
    persons = new_persons(st, 3)
    answer = st.call("/group/create", {"name": "g", "person_id": persons})
    assert "persons_per_group" in error_of(answer, 400, "QUOTA_EXCEEDED")
    group_id = st.call("/group/create", {"name": "g", "person_id": persons[:2]}).body["group_id"]
    assert "groups" in error_of(st.call("/group/create", {"name": "h"}), 400, "QUOTA_EXCEEDED")
    answer = st.call("/group/add_person", {"group_id": group_id, "person_id": persons[2]})
    assert "persons_per_group" in error_of(answer, 400, "QUOTA_EXCEEDED")


def test_delete_keeps_the_persons(st):
    [person_id] = new_persons(st, 1)
    group_id = st.call("/group/create", {"name": "g", "person_id": person_id}).body["group_id"]
    assert st.call("/group/delete", {"group_id": group_id}).body == {"status": "OK"}
    error_of(st.call("/info/group", {"group_id": group_id}, method="GET"), 400, "INVALID_GROUP")
    assert st.call("/info/person", {"person_id": person_id}, method="GET").status_code == 200


def test_delete_errors(st):
    error_of(st.call("/group/delete", {"group_id": "32d7b7776aa24661841cd649a968d9c4"}), 400, "INVALID_GROUP")
    assert error_of(st.call("/group/delete", {}), 400, "INVALID_ARGUMENT") == "must specify 'group_id' argument"


def test_add_person_counts_and_a_person_in_many_groups(st):
    persons = new_persons(st, 2)
    first = st.call("/group/create", {"name": "group1", "person_id": persons[0]}).body["group_id"]
    second = st.call("/group/create", {"name": "group2"}).body["group_id"]
    answer = st.call("/group/add_person", {"group_id": first, "person_id": persons})
    assert answer.body == {"status": "OK", "group_id": first, "name": "group1", "person_count": 2, "added_count": 1}
    answer = st.call("/group/add_person", {"group_id": second, "person_id": persons[0]}, form="form")
    assert answer.body == {"status": "OK", "group_id": second, "name": "group2", "person_count": 1, "added_count": 1}
    assert len(group_info(st, first)["persons"]) == 2


def test_add_person_is_all_or_nothing(st):
    [person_id] = new_persons(st, 1)
    group_id = st.call("/group/create", {"name": "g"}).body["group_id"]
    answer = st.call("/group/add_person", {"group_id": group_id, "person_id": [person_id, UNKNOWN_PERSON]})
    error_of(answer, 400, "INVALID_PERSON")
    assert group_info(st, group_id)["persons"] == []


def test_add_person_errors(st):
    [person_id] = new_persons(st, 1)
    group_id = st.call("/group/create", {"name": "g"}).body["group_id"]
    error_of(st.call("/group/add_person", {"group_id": group_id, "person_id": []}), 400, "EMPTY_PERSON_ID")
    reason = error_of(st.call("/group/add_person", {"group_id": group_id}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'person_id' argument"
    answer = st.call("/group/add_person", {"group_id": "fb5c88ab48df4f23955fb15f01e843ed", "person_id": person_id})
    error_of(answer, 400, "INVALID_GROUP")


def test_remove_person_is_lenient(st):
    persons = new_persons(st, 2)
    group_id = st.call("/group/create", {"name": "group1", "person_id": persons}).body["group_id"]
    answer = st.call("/group/remove_person", {"group_id": group_id, "person_id": [persons[0], UNKNOWN_PERSON]})
    assert answer.body == {
        "status": "OK",
        "group_id": group_id,
        "name": "group1",
        "person_count": 1,
        "removed_count": 1,
    }
    # The removed person is still valid.
    assert st.call("/info/person", {"person_id": persons[0]}, method="GET").status_code == 200


def test_remove_person_errors(st):
    group_id = st.call("/group/create", {"name": "g"}).body["group_id"]
    error_of(
        st.call("/group/remove_person", {"group_id": group_id, "person_id": ""}, form="form"), 400, "EMPTY_PERSON_ID"
    )
    answer = st.call("/group/remove_person", {"group_id": "fb5c88ab48df4f23955fb15f01e843ed", "person_id": "x"})
    error_of(answer, 400, "INVALID_GROUP")


def test_change(st):
    group_id = st.call("/group/create", {"name": "group1", "user_data": "xx"}).body["group_id"]
    assert st.call("/group/change", {"group_id": group_id, "name": "groupname"}).body == {"status": "OK"}
    assert st.call("/group/change", {"group_id": group_id, "user_data": "yy"}, form="query").body == {"status": "OK"}
    info = group_info(st, group_id)
    assert (info["name"], info["user_data"]) == ("groupname", "yy")
    reason = error_of(st.call("/group/change", {"group_id": group_id}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'name' or 'user_data' argument"
    answer = st.call("/group/change", {"group_id": "c74df9b413a44a9ab3060b7170989fa9", "name": "xiaohong"})
    error_of(answer, 400, "INVALID_GROUP")


def test_info_group_errors(st):
    error_of(
        st.call("/info/group", {"group_id": "c6fb3a01aad1415b9478ef3b2b34ca9a"}, method="GET"), 400, "INVALID_GROUP"
    )
    assert error_of(st.call("/info/group", method="GET"), 400, "INVALID_ARGUMENT") == "must specify 'group_id' argument"


def test_list_groups(account_factory):
    st = account_factory()
    assert st.call("/info/list_groups", method="GET").body == {"status": "OK", "groups": []}
    # Two groups may share a name, as in the document's example.
    first = st.call("/group/create", {"name": "group1"}).body["group_id"]
    second = st.call("/group/create", {"name": "group1"}).body["group_id"]
    assert st.call("/info/list_groups", method="GET").body == {
        "status": "OK",
        "groups": [{"group_id": first, "name": "group1"}, {"group_id": second, "name": "group1"}],
    }
