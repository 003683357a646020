"""The person/, group/ and faceset/ endpoints. Adds are all or nothing (one invalid id fails the call, nothing is
added); removes are lenient (invalid ids are skipped); a face belongs to one person (adding it moves it from any
earlier one); a person may be in many groups. Deleting a person or a face set keeps its faces usable as detected
faces for another 5 days (their ids do not die with it)."""

from __future__ import annotations

from rest_framework.response import Response

from facesets import selectors
from facesets.services.faces import (
    face_set_add_faces,
    face_set_create_with_faces,
    face_set_remove_members,
    person_add_faces,
    person_remove_faces,
)
from facesets.services.library import (
    face_set_delete,
    face_set_update,
    group_add_persons,
    group_create,
    group_delete,
    group_remove_persons,
    group_update,
    person_create,
    person_delete,
    person_update,
)
from facesets.services.lifecycle import Release

from ...common.arguments import Arguments
from ..errors import SenseTimeError, missing_argument
from .base import OK, SenseTimeView, documented

NAME = ("name", str, True, "name")
USER_DATA = ("user_data", str, False, "the caller's own data, kept as given")


def _ids(params: Arguments, name: str, empty_status: str) -> list[str]:
    """A required array of ids: missing -> INVALID_ARGUMENT, given but empty -> EMPTY_FACE_ID / EMPTY_PERSON_ID."""
    ids = params.ids(name, required=True)
    if not ids:
        raise SenseTimeError(empty_status, f"{name} is empty")
    return ids


def _changes(params: Arguments) -> dict:
    """The name and user_data of a change call; at least one is required."""
    name, user_data = params.text("name"), params.text("user_data")
    if name is None and user_data is None:
        raise missing_argument("name", "user_data")
    if name is not None:
        params.text("name", non_empty=True)
    return {"name": name, "user_data": user_data}


# --- persons -------------------------------------------------------------------------------------------------------


class PersonCreateView(SenseTimeView):
    @documented(
        "person_create",
        "Create a person, optionally with faces",
        (NAME, ("face_id", list, False, "faces to give them (one invalid id fails the call)"), USER_DATA),
    )
    def post(self, request):
        params = self.params
        name = params.text("name", required=True, non_empty=True)
        user_data = params.text("user_data")
        faces = selectors.faces_get_current(project=self.project, face_ids=params.ids("face_id") or [])
        person = person_create(project=self.project, name=name, user_data=user_data, faces=faces)
        body = {"status": "OK", "person_id": person.person_id}
        face_count = person.faces.count()
        if face_count:
            body["face_count"] = face_count
        return Response(body)


class PersonDeleteView(SenseTimeView):
    @documented("person_delete", "Delete a person", (("person_id", str, True, "person id"),))
    def post(self, request):
        person = selectors.person_get(project=self.project, person_id=self.params.text("person_id", required=True))
        person_delete(person=person, release=Release.EXPIRE)
        return Response(OK)


class PersonAddFaceView(SenseTimeView):
    @documented(
        "person_add_face",
        "Give faces to a person (all or nothing; a face moves from any earlier person)",
        (("person_id", str, True, "person id"), ("face_id", list, True, "face ids")),
    )
    def post(self, request):
        person_id = self.params.text("person_id", required=True)
        face_ids = _ids(self.params, "face_id", "EMPTY_FACE_ID")
        person = selectors.person_get(project=self.project, person_id=person_id)
        faces = selectors.faces_get_current(project=self.project, face_ids=face_ids)
        added = person_add_faces(person=person, faces=faces)
        return Response(
            {"status": "OK", "person_id": person_id, "face_count": person.faces.count(), "added_count": added}
        )


class PersonRemoveFaceView(SenseTimeView):
    @documented(
        "person_remove_face",
        "Take faces from a person (invalid ids are skipped)",
        (("person_id", str, True, "person id"), ("face_id", list, True, "face ids")),
    )
    def post(self, request):
        person_id = self.params.text("person_id", required=True)
        face_ids = _ids(self.params, "face_id", "EMPTY_FACE_ID")
        person = selectors.person_get(project=self.project, person_id=person_id)
        removed = person_remove_faces(
            person=person, faces=selectors.faces_find(project=self.project, face_ids=face_ids)
        )
        return Response(
            {"status": "OK", "person_id": person_id, "face_count": person.faces.count(), "removed_count": removed}
        )


class PersonChangeView(SenseTimeView):
    @documented(
        "person_change",
        "Rename a person or change their user data",
        (("person_id", str, True, "person id"), ("name", str, False, "new name"), USER_DATA),
    )
    def post(self, request):
        person_id = self.params.text("person_id", required=True)
        changes = _changes(self.params)
        person = selectors.person_get(project=self.project, person_id=person_id)
        person_update(person=person, **changes)
        return Response(OK)


# --- groups --------------------------------------------------------------------------------------------------------


class GroupCreateView(SenseTimeView):
    @documented(
        "group_create",
        "Create a group, optionally with persons",
        (NAME, ("person_id", list, False, "persons to add (one invalid id fails the call)"), USER_DATA),
    )
    def post(self, request):
        params = self.params
        name = params.text("name", required=True, non_empty=True)
        user_data = params.text("user_data")
        persons = selectors.persons_get(project=self.project, person_ids=params.ids("person_id") or [])
        group = group_create(project=self.project, name=name, user_data=user_data, persons=persons)
        body = {"status": "OK", "group_id": group.group_id, "name": group.name}
        person_count = group.persons.count()
        if person_count:
            body["person_count"] = person_count
        return Response(body)


class GroupDeleteView(SenseTimeView):
    @documented("group_delete", "Delete a group (its persons stay)", (("group_id", str, True, "group id"),))
    def post(self, request):
        group = selectors.group_get(project=self.project, group_id=self.params.text("group_id", required=True))
        group_delete(group=group)
        return Response(OK)


class GroupAddPersonView(SenseTimeView):
    @documented(
        "group_add_person",
        "Add persons to a group (all or nothing; a person may be in many groups)",
        (("group_id", str, True, "group id"), ("person_id", list, True, "person ids")),
    )
    def post(self, request):
        group_id = self.params.text("group_id", required=True)
        person_ids = _ids(self.params, "person_id", "EMPTY_PERSON_ID")
        group = selectors.group_get(project=self.project, group_id=group_id)
        persons = selectors.persons_get(project=self.project, person_ids=person_ids)
        added = group_add_persons(group=group, persons=persons)
        return Response(
            {
                "status": "OK",
                "group_id": group.group_id,
                "name": group.name,
                "person_count": group.persons.count(),
                "added_count": added,
            }
        )


class GroupRemovePersonView(SenseTimeView):
    @documented(
        "group_remove_person",
        "Remove persons from a group (invalid ids are skipped)",
        (("group_id", str, True, "group id"), ("person_id", list, True, "person ids")),
    )
    def post(self, request):
        group_id = self.params.text("group_id", required=True)
        person_ids = _ids(self.params, "person_id", "EMPTY_PERSON_ID")
        group = selectors.group_get(project=self.project, group_id=group_id)
        removed = group_remove_persons(
            group=group, persons=selectors.persons_find(project=self.project, person_ids=person_ids)
        )
        return Response(
            {
                "status": "OK",
                "group_id": group.group_id,
                "name": group.name,
                "person_count": group.persons.count(),
                "removed_count": removed,
            }
        )


class GroupChangeView(SenseTimeView):
    @documented(
        "group_change",
        "Rename a group or change its user data",
        (("group_id", str, True, "group id"), ("name", str, False, "new name"), USER_DATA),
    )
    def post(self, request):
        group_id = self.params.text("group_id", required=True)
        changes = _changes(self.params)
        group = selectors.group_get(project=self.project, group_id=group_id)
        group_update(group=group, **changes)
        return Response(OK)


# --- face sets -----------------------------------------------------------------------------------------------------


class FaceSetCreateView(SenseTimeView):
    @documented(
        "faceset_create",
        "Create a face set, optionally with faces",
        (
            ("name", str, True, "1-64 letters, digits, '-' or '_', unique in the project"),
            ("face_id", list, False, "faces to add (one invalid id fails the call)"),
            USER_DATA,
        ),
    )
    def post(self, request):
        params = self.params
        name = params.text("name", required=True, non_empty=True)
        user_data = params.text("user_data")
        faces = selectors.faces_get_current(project=self.project, face_ids=params.ids("face_id") or [])
        face_set = face_set_create_with_faces(project=self.project, name=name, user_data=user_data, faces=faces)
        body = {"status": "OK", "faceset_id": face_set.face_set_id, "name": face_set.name}
        if face_set.face_count:
            body["face_count"] = face_set.face_count
        return Response(body)


class FaceSetDeleteView(SenseTimeView):
    @documented("faceset_delete", "Delete a face set", (("faceset_id", str, True, "face set id"),))
    def post(self, request):
        face_set = selectors.face_set_get(
            project=self.project, face_set_id=self.params.text("faceset_id", required=True)
        )
        face_set_delete(face_set=face_set, release=Release.EXPIRE)
        return Response(OK)


class FaceSetAddFaceView(SenseTimeView):
    @documented(
        "faceset_add_face",
        "Add faces to a face set (all or nothing)",
        (("faceset_id", str, True, "face set id"), ("face_id", list, True, "face ids")),
    )
    def post(self, request):
        face_set_id = self.params.text("faceset_id", required=True)
        face_ids = _ids(self.params, "face_id", "EMPTY_FACE_ID")
        face_set = selectors.face_set_get(project=self.project, face_set_id=face_set_id)
        faces = selectors.faces_get_current(project=self.project, face_ids=face_ids)
        added = len(face_set_add_faces(face_set=face_set, faces=faces))
        face_set.refresh_from_db(fields=["face_count"])
        return Response(
            {
                "status": "OK",
                "faceset_id": face_set.face_set_id,
                "name": face_set.name,
                "face_count": face_set.face_count,
                "added_count": added,
            }
        )


class FaceSetRemoveFaceView(SenseTimeView):
    @documented(
        "faceset_remove_face",
        "Remove faces from a face set (invalid ids are skipped)",
        (("faceset_id", str, True, "face set id"), ("face_id", list, True, "face ids")),
    )
    def post(self, request):
        face_set_id = self.params.text("faceset_id", required=True)
        face_ids = _ids(self.params, "face_id", "EMPTY_FACE_ID")
        face_set = selectors.face_set_get(project=self.project, face_set_id=face_set_id)
        faces = selectors.faces_find(project=self.project, face_ids=face_ids)
        members = selectors.member_list(face_set=face_set).filter(face__in=faces)
        removed = face_set_remove_members(face_set=face_set, members=members, release=Release.EXPIRE)
        face_set.refresh_from_db(fields=["face_count"])
        return Response(
            {
                "status": "OK",
                "faceset_id": face_set.face_set_id,
                "name": face_set.name,
                "face_count": face_set.face_count,
                "removed_count": removed,
            }
        )


class FaceSetChangeView(SenseTimeView):
    @documented(
        "faceset_change",
        "Rename a face set or change its user data",
        (("faceset_id", str, True, "face set id"), ("name", str, False, "new name"), USER_DATA),
    )
    def post(self, request):
        face_set_id = self.params.text("faceset_id", required=True)
        changes = _changes(self.params)
        face_set = selectors.face_set_get(project=self.project, face_set_id=face_set_id)
        face_set_update(face_set=face_set, **changes)
        return Response(OK)
