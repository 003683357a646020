"""Registering a person's photo by the person's own id (`uid`): the user model of Baidu's face library. The person
and its groups (by their outer ids) are created as needed, in the same transaction as the face, so a photo without
a face changes nothing. Runs in a worker (it detects and embeds)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import transaction

from ..exceptions import AlreadyExists, InvalidArgument, PersonNotFound
from ..models import Face, Group, Person, Project
from ..selectors import groups_find_by_outer_id
from .faces import DEFAULT_FORMATS, _check_person_quota, _store_face, _store_image, image_analyse, require_faces
from .library import group_add_persons, group_create, group_remove_persons, person_create, person_delete, person_update
from .lifecycle import Release, faces_release


def groups_by_outer_id(*, project: Project, outer_ids: Sequence[str]) -> list[Group]:
    """The project's groups with these outer ids, in the order given, the missing ones created."""
    found = {group.outer_id: group for group in groups_find_by_outer_id(project=project, outer_ids=outer_ids)}
    return [
        found.get(outer_id) or group_create(project=project, name=outer_id, outer_id=outer_id)
        for outer_id in dict.fromkeys(outer_ids)
    ]


@transaction.atomic
def person_join_groups(*, person: Person, outer_ids: Sequence[str]) -> int:
    """Add a person to the groups with these outer ids (created as needed). AlreadyExists(reason="already_member")
    when they are in all of them already. Returns how many groups they joined."""
    groups = groups_by_outer_id(project=person.project, outer_ids=outer_ids)
    joined = sum(group_add_persons(group=group, persons=[person]) for group in groups)
    if not joined:
        raise AlreadyExists("the user is already in these groups", field="group_id", reason="already_member")
    return joined


@transaction.atomic
def person_leave_groups(*, person: Person, outer_ids: Sequence[str], last_group: str) -> int:
    """Take a person out of those of these groups they are in (PersonNotFound when none). What happens when that
    would leave them in no group is the caller's explicit choice: `last_group="delete"` deletes the person (and
    their faces, services.lifecycle), `"refuse"` raises InvalidArgument(reason="last_group") and changes nothing."""
    groups = groups_find_by_outer_id(project=person.project, outer_ids=outer_ids)
    member_of = [group for group in groups if group.persons.filter(pk=person.pk).exists()]
    if not member_of:
        raise PersonNotFound(f"user {person.uid!r} is not in these groups", field="uid")
    if last_group == "refuse" and person.groups.count() <= len(member_of):
        raise InvalidArgument("the user must stay in one group at least", field="group_id", reason="last_group")
    for group in member_of:
        group_remove_persons(group=group, persons=[person])
    if last_group == "delete" and not person.groups.exists():
        person_delete(person=person, release=Release.DELETE)
    return len(member_of)


@transaction.atomic
def person_register(
    *,
    project: Project,
    data: bytes,
    uid: str,
    user_info: str | None = None,
    group_outer_ids: Sequence[str] = (),
    create: bool = True,
    replace: bool = False,
    reject_duplicate: bool = False,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> Face:
    """Give the largest face of a photo to the person with this uid (created with `create`, else PersonNotFound),
    add the person to these groups, and with `replace` release every earlier face of theirs (they go back to
    expiring). With `reject_duplicate`, a photo the person already has is AlreadyExists(reason="duplicate_image")."""
    person = Person.objects.select_for_update().filter(project=project, uid=uid).first()
    if person is None and not create:
        raise PersonNotFound(f"user {uid!r} does not exist", field="uid")
    digest = hashlib.sha256(data).hexdigest()
    if person is not None and reject_duplicate and not replace:
        if Face.objects.filter(person=person, image__content_sha256=digest).exists():
            raise AlreadyExists("this image was already added for the user", field="image", reason="duplicate_image")
    analysed = image_analyse(data=data, formats=formats, max_faces=1)
    detected = require_faces(analysed)[0]
    if person is None:
        person = person_create(project=project, name=uid, uid=uid, user_data=user_info or "")
    elif user_info is not None:
        person_update(person=person, user_data=user_info)
    earlier = list(person.faces.values_list("pk", flat=True)) if replace else []
    if not replace:
        _check_person_quota(person, 1)
    image = _store_image(project=project, analysed=analysed, data=data, user_data="", expires=None)
    face = _store_face(project=project, image=image, detected=detected, model=analysed.model, person=person)
    if earlier:
        Face.objects.filter(pk__in=earlier).update(person=None)
        faces_release(face_pks=earlier, release=Release.DELETE)
    groups = groups_by_outer_id(project=project, outer_ids=group_outer_ids)
    for group in groups:
        group_add_persons(group=group, persons=[person])
    return face
