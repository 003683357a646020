"""The person/, group/ and faceset/ endpoints. Adds are all or nothing (one invalid id fails the call, nothing is
added); removes are lenient (invalid ids are skipped); a face belongs to one person (adding it moves it from any
earlier one); a person may be in many groups. Deleting a person or a face set keeps its faces usable as detected
faces for another 5 days (their ids do not die with it).

The three kinds of container share four shapes of endpoint (create, delete, change, add/remove members), so each
shape is written once below and each endpoint only names its container, its members and its service."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_view
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

from ...common.arguments import Arguments, missing
from ..errors import SenseTimeError
from .base import OK, SenseTimeView, documented

NAME = ("name", str, True, "name")
USER_DATA = ("user_data", str, False, "the caller's own data, kept as given")


def _ids(params: Arguments, name: str, empty_status: str) -> list[str]:
    """A required array of ids: missing -> INVALID_ARGUMENT, given but empty -> EMPTY_FACE_ID / EMPTY_PERSON_ID."""
    ids = params.ids(name, required=True)
    if not ids:
        raise SenseTimeError(empty_status, f"{name} is empty")
    return ids


# --- the containers: how each is found, described, and what its members are ---------------------------------------


class PersonEndpoint(SenseTimeView):
    id_argument, member_argument, empty_status = "person_id", "face_id", "EMPTY_FACE_ID"

    def lookup(self, object_id: str):
        return selectors.person_get(project=self.project, person_id=object_id)

    def members(self, ids: list[str], *, strict: bool):
        if strict:
            return selectors.faces_get_current(project=self.project, face_ids=ids)
        return selectors.faces_find(project=self.project, face_ids=ids)

    def describe(self, person) -> dict:
        return {"person_id": person.person_id, "face_count": person.faces.count()}


class GroupEndpoint(SenseTimeView):
    id_argument, member_argument, empty_status = "group_id", "person_id", "EMPTY_PERSON_ID"

    def lookup(self, object_id: str):
        return selectors.group_get(project=self.project, group_id=object_id)

    def members(self, ids: list[str], *, strict: bool):
        if strict:
            return selectors.persons_get(project=self.project, person_ids=ids)
        return selectors.persons_find(project=self.project, person_ids=ids)

    def describe(self, group) -> dict:
        return {"group_id": group.group_id, "name": group.name, "person_count": group.persons.count()}


class FaceSetEndpoint(PersonEndpoint):
    id_argument = "faceset_id"

    def lookup(self, object_id: str):
        return selectors.face_set_get(project=self.project, face_set_id=object_id)

    def describe(self, face_set) -> dict:
        face_set.refresh_from_db(fields=["face_count"])
        return {"faceset_id": face_set.face_set_id, "name": face_set.name, "face_count": face_set.face_count}


# --- the shapes ------------------------------------------------------------------------------------------------------


class CreateView(SenseTimeView):
    """Create a container with a name, user data and (all or nothing) members; the count is shown when non-zero."""

    def post(self, request):
        params = self.params
        name = params.text("name", required=True, non_empty=True)
        user_data = params.text("user_data")
        created = self.create(name=name, user_data=user_data, members=self.members(self.member_ids(), strict=True))
        body = {"status": "OK", **self.describe(created)}
        return Response({key: value for key, value in body.items() if value != 0 or not key.endswith("_count")})

    def member_ids(self) -> list[str]:
        return self.params.ids(self.member_argument) or []


class DeleteView(SenseTimeView):
    def post(self, request):
        self.remove(self.lookup(self.params.text(self.id_argument, required=True)))
        return Response(OK)


class ChangeView(SenseTimeView):
    """Rename a container or change its user data; at least one is required."""

    def post(self, request):
        object_id = self.params.text(self.id_argument, required=True)
        name, user_data = self.params.text("name"), self.params.text("user_data")
        if name is None and user_data is None:
            raise missing("name", "user_data")
        if name is not None:
            self.params.text("name", non_empty=True)
        self.update(self.lookup(object_id), name=name, user_data=user_data)
        return Response(OK)


class MembershipView(SenseTimeView):
    """Add members to a container (all or nothing) or remove them (lenient); answers the container and the count."""

    adding = True

    def post(self, request):
        object_id = self.params.text(self.id_argument, required=True)
        ids = _ids(self.params, self.member_argument, self.empty_status)
        container = self.lookup(object_id)
        changed = self.change(container, self.members(ids, strict=self.adding))
        return Response({"status": "OK", **self.describe(container), self.count_key: changed})

    @property
    def count_key(self) -> str:
        return "added_count" if self.adding else "removed_count"


def _arguments(endpoint) -> tuple:
    """The container's id argument, documented: ("person_id", str, True, "person id")."""
    return ((endpoint.id_argument, str, True, endpoint.id_argument.replace("_", " ").replace("faceset", "face set")),)


CHANGE_ARGUMENTS = (("name", str, False, "new name"), USER_DATA)


# --- persons -------------------------------------------------------------------------------------------------------


@extend_schema_view(
    post=documented(
        "person_create",
        "Create a person, optionally with faces",
        (NAME, ("face_id", list, False, "faces to give them (one invalid id fails the call)"), USER_DATA),
    )
)
class PersonCreateView(PersonEndpoint, CreateView):
    def create(self, **values):
        return person_create(
            project=self.project, name=values["name"], user_data=values["user_data"], faces=values["members"]
        )


@extend_schema_view(post=documented("person_delete", "Delete a person", _arguments(PersonEndpoint)))
class PersonDeleteView(PersonEndpoint, DeleteView):
    def remove(self, person) -> None:
        person_delete(person=person, release=Release.EXPIRE)


@extend_schema_view(
    post=documented(
        "person_add_face",
        "Give faces to a person (all or nothing; a face moves from any earlier person)",
        (*_arguments(PersonEndpoint), ("face_id", list, True, "face ids")),
    )
)
class PersonAddFaceView(PersonEndpoint, MembershipView):
    def change(self, person, faces) -> int:
        return person_add_faces(person=person, faces=faces)


@extend_schema_view(
    post=documented(
        "person_remove_face",
        "Take faces from a person (invalid ids are skipped)",
        (*_arguments(PersonEndpoint), ("face_id", list, True, "face ids")),
    )
)
class PersonRemoveFaceView(PersonEndpoint, MembershipView):
    adding = False

    def change(self, person, faces) -> int:
        return person_remove_faces(person=person, faces=faces)


@extend_schema_view(
    post=documented(
        "person_change", "Rename a person or change their user data", (*_arguments(PersonEndpoint), *CHANGE_ARGUMENTS)
    )
)
class PersonChangeView(PersonEndpoint, ChangeView):
    def update(self, person, **changes) -> None:
        person_update(person=person, **changes)


# --- groups --------------------------------------------------------------------------------------------------------


@extend_schema_view(
    post=documented(
        "group_create",
        "Create a group, optionally with persons",
        (NAME, ("person_id", list, False, "persons to add (one invalid id fails the call)"), USER_DATA),
    )
)
class GroupCreateView(GroupEndpoint, CreateView):
    def create(self, **values):
        return group_create(
            project=self.project, name=values["name"], user_data=values["user_data"], persons=values["members"]
        )


@extend_schema_view(post=documented("group_delete", "Delete a group (its persons stay)", _arguments(GroupEndpoint)))
class GroupDeleteView(GroupEndpoint, DeleteView):
    def remove(self, group) -> None:
        group_delete(group=group)


@extend_schema_view(
    post=documented(
        "group_add_person",
        "Add persons to a group (all or nothing; a person may be in many groups)",
        (*_arguments(GroupEndpoint), ("person_id", list, True, "person ids")),
    )
)
class GroupAddPersonView(GroupEndpoint, MembershipView):
    def change(self, group, persons) -> int:
        return group_add_persons(group=group, persons=persons)


@extend_schema_view(
    post=documented(
        "group_remove_person",
        "Remove persons from a group (invalid ids are skipped)",
        (*_arguments(GroupEndpoint), ("person_id", list, True, "person ids")),
    )
)
class GroupRemovePersonView(GroupEndpoint, MembershipView):
    adding = False

    def change(self, group, persons) -> int:
        return group_remove_persons(group=group, persons=persons)


@extend_schema_view(
    post=documented(
        "group_change", "Rename a group or change its user data", (*_arguments(GroupEndpoint), *CHANGE_ARGUMENTS)
    )
)
class GroupChangeView(GroupEndpoint, ChangeView):
    def update(self, group, **changes) -> None:
        group_update(group=group, **changes)


# --- face sets -----------------------------------------------------------------------------------------------------


@extend_schema_view(
    post=documented(
        "faceset_create",
        "Create a face set, optionally with faces",
        (
            ("name", str, True, "1-64 letters, digits, '-' or '_', unique in the project"),
            ("face_id", list, False, "faces to add (one invalid id fails the call)"),
            USER_DATA,
        ),
    )
)
class FaceSetCreateView(FaceSetEndpoint, CreateView):
    def create(self, **values):
        return face_set_create_with_faces(
            project=self.project, name=values["name"], user_data=values["user_data"], faces=values["members"]
        )


@extend_schema_view(post=documented("faceset_delete", "Delete a face set", _arguments(FaceSetEndpoint)))
class FaceSetDeleteView(FaceSetEndpoint, DeleteView):
    def remove(self, face_set) -> None:
        face_set_delete(face_set=face_set, release=Release.EXPIRE)


@extend_schema_view(
    post=documented(
        "faceset_add_face",
        "Add faces to a face set (all or nothing)",
        (*_arguments(FaceSetEndpoint), ("face_id", list, True, "face ids")),
    )
)
class FaceSetAddFaceView(FaceSetEndpoint, MembershipView):
    def change(self, face_set, faces) -> int:
        return len(face_set_add_faces(face_set=face_set, faces=faces))


@extend_schema_view(
    post=documented(
        "faceset_remove_face",
        "Remove faces from a face set (invalid ids are skipped)",
        (*_arguments(FaceSetEndpoint), ("face_id", list, True, "face ids")),
    )
)
class FaceSetRemoveFaceView(FaceSetEndpoint, MembershipView):
    adding = False

    def change(self, face_set, faces) -> int:
        members = selectors.member_list(face_set=face_set).filter(face__in=faces)
        return face_set_remove_members(face_set=face_set, members=members, release=Release.EXPIRE)


@extend_schema_view(
    post=documented(
        "faceset_change", "Rename a face set or change its user data", (*_arguments(FaceSetEndpoint), *CHANGE_ARGUMENTS)
    )
)
class FaceSetChangeView(FaceSetEndpoint, ChangeView):
    def update(self, face_set, **changes) -> None:
        face_set_update(face_set=face_set, **changes)
