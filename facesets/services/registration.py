"""Registering a person's photo by the person's own id (`uid`): the user model of Baidu's face library. The person
and its groups (by their outer ids) are created as needed, in the same transaction as the face, so a photo without
a face changes nothing. Runs in a worker (it detects and embeds)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import transaction

from ..exceptions import AlreadyExists, PersonNotFound
from ..models import Face, Group, Person, Project
from .faces import DEFAULT_FORMATS, _check_person_quota, _store_face, _store_image, image_analyse, require_faces
from .library import group_add_persons, group_create, person_create, person_update
from .lifecycle import Release, faces_release


def groups_by_outer_id(*, project: Project, outer_ids: Sequence[str], create: bool) -> list[Group]:
    """The project's groups with these outer ids, in the order given (created when missing and `create`)."""
    groups = []
    for outer_id in dict.fromkeys(outer_ids):
        group = Group.objects.filter(project=project, outer_id=outer_id).first()
        if group is None and create:
            group = group_create(project=project, name=outer_id, outer_id=outer_id)
        if group is not None:
            groups.append(group)
    return groups


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
    groups = groups_by_outer_id(project=project, outer_ids=group_outer_ids, create=True)
    for group in groups:
        group_add_persons(group=group, persons=[person])
    return face
