"""Writes on face sets, persons and groups: creation rules, quotas, renames and deletion."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from .. import fields
from ..exceptions import (
    AlreadyExists,
    DomainError,
    FaceSetNameTaken,
    InvalidArgument,
    InvalidCapacity,
    InvalidName,
    QuotaExceeded,
)
from ..models import AuditEvent, Face, FaceSet, FaceSetMember, Group, Image, Person, Project
from .audit import audit_record
from .lifecycle import Release, faces_release

FACE_SET_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CAPACITY_STEP = 10_000
DEFAULT_CAPACITY = 100_000
USER_DATA_MAX = 16384  # the largest any dialect documents (Face++: 16 KB)


def _user_data(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidArgument("user_data must be a string", field="user_data")
    if len(value) > USER_DATA_MAX:
        raise InvalidArgument(f"user_data must be at most {USER_DATA_MAX} characters", field="user_data")
    return value


def _lock_project(project: Project) -> None:
    """Serialise quota checks of one project (two concurrent creates must not both pass the last free slot)."""
    Project.objects.select_for_update().filter(pk=project.pk).first()


# --- face sets -------------------------------------------------------------------------------------------------


def validate_face_set_name(name: Any) -> str:
    if not isinstance(name, str) or not FACE_SET_NAME_RE.match(name):
        raise InvalidName("face set name must be 1-64 letters, digits, '-' or '_'", field="face_set_name")
    return name


def _free_face_set_name(project: Project, *candidates: str | None) -> str:
    """A dashboard name for a face set created without one (Face++ names sets by outer_id and display_name, neither
    unique nor limited to a name's characters): the first candidate reduced to a name's characters that is free,
    else "faceset-" and a random suffix."""
    for candidate in candidates:
        cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", candidate or "").strip("-")[:64]
        if cleaned and not FaceSet.objects.filter(project=project, name=cleaned).exists():
            return cleaned
    while True:
        name = f"faceset-{secrets.token_hex(4)}"
        if not FaceSet.objects.filter(project=project, name=name).exists():
            return name


def _client_id(
    model, project: Project, column: str, value: Any, *, max_length: int, field: str, what: str, exclude_pk=None
) -> str | None:
    """An id the client chooses for an object (a person's uid, a group's or a face set's outer id): 1-`max_length`
    characters, unique among the project's objects of that kind (InvalidArgument / AlreadyExists naming `field`).
    None stays None: no such id."""
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise InvalidArgument(f"{field} must be 1-{max_length} characters", field=field)
    clash = model.objects.filter(project=project, **{column: value})
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise AlreadyExists(f"{what} {value!r} already exists", field=field)
    return value


def _check_outer_id(project: Project, outer_id: str | None, exclude_pk: int | None = None) -> str | None:
    """A face set's outer id: the client's own id for it, unique in the project ("" or None = none)."""
    return _client_id(
        FaceSet,
        project,
        "outer_id",
        outer_id or None,
        max_length=255,
        field="outer_id",
        what="a face set with outer_id",
        exclude_pk=exclude_pk,
    )


def _tags(tags: Any) -> list[str]:
    if tags is None:
        return []
    if not isinstance(tags, list | tuple) or not all(isinstance(tag, str) and tag for tag in tags):
        raise InvalidArgument("tags must be a list of non-empty strings", field="tags")
    return list(dict.fromkeys(tags))


def _check_capacity(project: Project, capacity: Any) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidCapacity("face_set_capacity must be an integer", field="face_set_capacity")
    if capacity <= 0 or capacity % CAPACITY_STEP or capacity > project.max_face_set_capacity:
        raise InvalidCapacity(
            f"face_set_capacity must be a multiple of {CAPACITY_STEP} up to {project.max_face_set_capacity}",
            field="face_set_capacity",
        )


def face_set_create_problems(
    *, project: Project, name: str | None = None, capacity: int | None = None, field_schema: Any = None
) -> list[DomainError]:
    """Everything `face_set_create` would refuse in these arguments, all at once and in the order of the arguments
    (a form shows them together instead of one per submit). None skips an argument. Concurrent creates can still
    clash; `face_set_create` checks again under the project's lock."""
    problems: list[DomainError] = []
    if name is not None:
        try:
            validate_face_set_name(name)
        except DomainError as problem:
            problems.append(problem)
        else:
            if FaceSet.objects.filter(project=project, name=name).exists():
                problems.append(FaceSetNameTaken(f"a face set named {name!r} already exists", field="face_set_name"))
    if capacity is not None:
        try:
            _check_capacity(project, capacity)
        except DomainError as problem:
            problems.append(problem)
    problems += fields.schema_problems(field_schema)[1]
    return problems


@transaction.atomic
def face_set_create(
    *,
    project: Project,
    name: str | None,
    capacity: int | None = None,
    field_schema: Any = None,
    user_data: str | None = None,
    outer_id: str | None = None,
    display_name: str | None = None,
    tags: Any = None,
    auto_name: bool = False,
) -> FaceSet:
    """Create a face set: name unique in the project (with `auto_name` and no name, one is made from the outer id or
    the display name), outer id unique in the project, capacity a multiple of 10,000 within the project's maximum,
    at most `max_face_sets` per project, a valid typed field schema."""
    if name is not None or not auto_name:
        validate_face_set_name(name)
    if capacity is None:
        capacity = min(DEFAULT_CAPACITY, project.max_face_set_capacity)
    _check_capacity(project, capacity)
    schema = fields.validate_schema(field_schema)
    display_name = _name(display_name, "display_name")
    tags = _tags(tags)
    _lock_project(project)
    outer_id = _check_outer_id(project, outer_id)
    if name is None:
        name = _free_face_set_name(project, outer_id, display_name)
    elif FaceSet.objects.filter(project=project, name=name).exists():
        raise FaceSetNameTaken(f"a face set named {name!r} already exists", field="face_set_name")
    if FaceSet.objects.filter(project=project).count() >= project.max_face_sets:
        raise QuotaExceeded(f"the project may hold at most {project.max_face_sets} face sets", quota="face_sets")
    try:
        with transaction.atomic():
            face_set = FaceSet.objects.create(
                project=project,
                name=name,
                capacity=capacity,
                field_schema=schema,
                user_data=_user_data(user_data),
                outer_id=outer_id,
                display_name=display_name,
                tags=tags,
            )
    except IntegrityError as error:  # a concurrent create with the same outer id
        raise AlreadyExists("a face set with this outer_id already exists", field="outer_id") from error
    audit_record(project=project, action="face_set.create", target=face_set, capacity=capacity)
    return face_set


@transaction.atomic
def face_set_update(
    *,
    face_set: FaceSet,
    name: str | None = None,
    user_data: str | None = None,
    outer_id: str | None = None,
    display_name: str | None = None,
    tags: Any = None,
) -> FaceSet:
    """Rename a face set, or change its user data, outer id, display name or tags (None = unchanged)."""
    before = {key: getattr(face_set, key) for key in ("name", "user_data", "outer_id", "display_name", "tags")}
    if name is not None and name != face_set.name:
        validate_face_set_name(name)
        if FaceSet.objects.filter(project_id=face_set.project_id, name=name).exclude(pk=face_set.pk).exists():
            raise FaceSetNameTaken(f"a face set named {name!r} already exists", field="face_set_name")
        face_set.name = name
    if user_data is not None:
        face_set.user_data = _user_data(user_data)
    if display_name is not None:
        face_set.display_name = _name(display_name, "display_name")
    if tags is not None:
        face_set.tags = _tags(tags)
    if outer_id is not None and outer_id != face_set.outer_id:
        face_set.outer_id = _check_outer_id(face_set.project, outer_id, exclude_pk=face_set.pk)
    try:
        with transaction.atomic():
            face_set.save()
    except IntegrityError as error:
        raise AlreadyExists("a face set with this outer_id already exists", field="outer_id") from error
    changed = sorted(key for key, value in before.items() if getattr(face_set, key) != value)
    if changed:
        audit_record(project=face_set.project, action="face_set.update", target=face_set, changed=changed)
    return face_set


@transaction.atomic
def face_set_delete(*, face_set: FaceSet, release: Release, ttl_hours: int | None = None) -> int:
    """Delete a face set. Its faces that also belong to a person or another set stay; the others are deleted or go
    back to expiring (for `ttl_hours`, default the detected-face lifetime), as `release` says
    (services.lifecycle). Returns how many memberships were removed."""
    from ..search import drop_face_set_index

    face_pks = list(face_set.members.values_list("face_id", flat=True))
    drop_face_set_index(face_set)
    audit_record(project=face_set.project, action="face_set.delete", target=face_set, faces=len(face_pks))
    face_set.delete()
    faces_release(face_pks=face_pks, release=release, ttl_hours=ttl_hours)
    return len(face_pks)


def face_set_count_adjust(*, face_set_pk: int, delta: int) -> None:
    """Keep the set's face count; a set that grows past the exact-scan size gets its vector index scheduled, and one
    that has it a refresh of its graph once the graph falls behind."""
    from .search_index import face_set_graph_follow, face_set_index_schedule, face_set_index_wanted

    FaceSet.objects.filter(pk=face_set_pk).update(face_count=F("face_count") + delta)
    if delta > 0:
        face_set = FaceSet.objects.only("face_count", "vector_index").get(pk=face_set_pk)
        if face_set_index_wanted(face_set):
            face_set_index_schedule(face_set_pk=face_set_pk)
        elif face_set.vector_index:
            face_set_graph_follow(face_set=face_set)


# --- persons ---------------------------------------------------------------------------------------------------


def _check_uid(project: Project, uid: str | None, exclude_pk: int | None = None) -> str | None:
    return _client_id(
        Person, project, "uid", uid, max_length=128, field="uid", what="a person with uid", exclude_pk=exclude_pk
    )


def _name(value: Any, field: str = "name") -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 256 or "\x00" in value:
        raise InvalidName(f"{field} must be a string of at most 256 characters, without NUL", field=field)
    return value


@transaction.atomic
def person_create(
    *,
    project: Project,
    name: str | None = None,
    uid: str | None = None,
    user_data: str | None = None,
    faces: Iterable[Face] = (),
) -> Person:
    """Create a person, optionally with faces (which move to it from any earlier person)."""
    from .faces import person_add_faces

    _lock_project(project)
    if Person.objects.filter(project=project).count() >= project.max_persons:
        raise QuotaExceeded(f"the project may hold at most {project.max_persons} persons", quota="persons")
    try:
        person = Person.objects.create(
            project=project, name=_name(name), uid=_check_uid(project, uid), user_data=_user_data(user_data)
        )
    except IntegrityError as error:  # a concurrent create with the same uid
        raise AlreadyExists("a person with this uid already exists", field="uid") from error
    audit_record(project=project, action="person.create", target=person)
    faces = list(faces)
    if faces:
        person_add_faces(person=person, faces=faces)
    return person


@transaction.atomic
def person_update(
    *, person: Person, name: str | None = None, user_data: str | None = None, uid: str | None = None
) -> Person:
    if name is not None:
        person.name = _name(name)
    if user_data is not None:
        person.user_data = _user_data(user_data)
    before = (person.name, person.user_data, person.uid)
    if uid is not None:
        person.uid = _check_uid(person.project, uid, exclude_pk=person.pk)
    person.save()
    changed = [
        key for key, old in zip(("name", "user_data", "uid"), before, strict=True) if getattr(person, key) != old
    ]
    if changed:
        audit_record(project=person.project, action="person.update", target=person, changed=changed)
    return person


@transaction.atomic
def person_delete(*, person: Person, release: Release) -> None:
    """Delete a person. Their faces stay in any face set they are in; the others are deleted or go back to expiring,
    as `release` says (services.lifecycle)."""
    face_pks = list(person.faces.values_list("pk", flat=True))
    audit_record(project=person.project, action="person.delete", target=person, faces=len(face_pks))
    person.delete()
    faces_release(face_pks=face_pks, release=release)


@dataclass(frozen=True)
class FacesDeleted:
    """What deleting faces everywhere removed: the face rows (with their vectors and thumbnails) and their entries
    in face sets, per face set (pk -> entries)."""

    faces: int
    per_face_set: dict[int, int]

    @property
    def face_set_entries(self) -> int:
        return sum(self.per_face_set.values())


@transaction.atomic
def faces_delete_everywhere(*, project: Project, face_pks: Iterable[int], record: bool = True) -> FacesDeleted:
    """Delete faces of the project outright, whoever holds them: their entries in every face set (each set's counter
    follows), their vectors and thumbnails, their person link; a stored image left with no face goes too. Search
    graphs keep a removed row's vector as a tombstone that PostgreSQL's re-rank never returns (facesets.search)."""
    faces = Face.objects.filter(project=project, pk__in=list(face_pks))
    face_pks = list(faces.values_list("pk", flat=True))
    if record and len(face_pks) == 1:  # one face: named in the log (its id), before it goes
        audit_record(project=project, action="face.delete", target=faces.get())
        record = False
    image_pks = set(faces.exclude(image=None).values_list("image_id", flat=True))
    per_set = Counter(FaceSetMember.objects.filter(face_id__in=face_pks).values_list("face_set_id", flat=True))
    list(FaceSet.objects.select_for_update().filter(pk__in=list(per_set)).order_by("pk").values_list("pk", flat=True))
    Face.objects.filter(pk__in=face_pks).delete()  # with their memberships and embeddings (cascade)
    for face_set_pk, removed in per_set.items():
        face_set_count_adjust(face_set_pk=face_set_pk, delta=-removed)
    Image.objects.filter(pk__in=image_pks, faces__isnull=True).delete()  # a photo of them alone: nothing left of it
    if face_pks and record:
        audit_record(
            project=project, action="faces.delete", faces=len(face_pks), face_set_entries=sum(per_set.values())
        )
    return FacesDeleted(faces=len(face_pks), per_face_set=dict(per_set))


@dataclass(frozen=True)
class Erasure:
    """What erasing a person removed."""

    person: str  # the erased person's name, for the report
    faces: int  # face rows, with their thumbnails and vectors
    face_set_entries: int  # face-set memberships (each holds a copy of the vector)
    face_sets: int
    groups: int  # group memberships
    photos: int  # kept photos that showed one of the faces
    graphs: int  # face sets whose search graph is rebuilt without the vectors


@transaction.atomic
def person_erase(*, person: Person) -> Erasure:
    """Remove a person and everything of them everywhere (a right-to-erasure request): every face of theirs in every
    face set, with its vectors and thumbnail, every kept photo that showed one of those faces (the photo, not the
    other faces found in it), their group memberships and the person. Search graphs of the face sets concerned are
    rebuilt from PostgreSQL (a graph file keeps a removed row's vector until then), and the tables are vacuumed so
    the removed rows leave the indexes too. Unlike person_delete, nothing stays in a face set."""
    from .search_index import face_set_graph_erase

    person = Person.objects.select_for_update().get(pk=person.pk)
    faces = Face.objects.filter(project=person.project_id, person=person)
    image_pks = set(faces.exclude(image=None).values_list("image_id", flat=True))
    groups = person.groups.count()
    photos = Image.objects.filter(pk__in=image_pks).exclude(photo=None).update(photo=None)
    deleted = faces_delete_everywhere(project=person.project, face_pks=faces.values_list("pk", flat=True), record=False)
    name = str(person)
    # The erased person is named by id only, here and in the log's earlier events about them: their name is personal
    # data the erasure removes.
    AuditEvent.objects.filter(project=person.project, target_type="person", target_id=person.person_id).update(
        target_label=""
    )
    audit_record(
        project=person.project, action="person.erase", person=person.person_id, faces=deleted.faces, photos=photos
    )
    person.delete()
    graphs = face_set_graph_erase(face_set_pks=list(deleted.per_face_set))
    return Erasure(
        person=name,
        faces=deleted.faces,
        face_set_entries=deleted.face_set_entries,
        face_sets=len(deleted.per_face_set),
        groups=groups,
        photos=photos,
        graphs=graphs,
    )


@transaction.atomic
def person_merge(*, target: Person, source: Person) -> Person:
    """Move every face and group membership of `source` to `target`, then delete `source`."""
    if target.pk == source.pk or target.project_id != source.project_id:
        raise InvalidArgument("merge needs two different persons of the same project", field="person")
    moved = Face.objects.filter(person=source).update(person=target)
    for group in source.groups.all():
        group.persons.add(target)
    audit_record(
        project=target.project,
        action="person.merge",
        target=target,
        merged=source.person_id,
        merged_name=source.name,
        faces=moved,
    )
    source.delete()
    return target


# --- groups ----------------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    project: Project,
    name: str | None = None,
    outer_id: str | None = None,
    user_data: str | None = None,
    persons: Iterable[Person] = (),
) -> Group:
    _lock_project(project)
    if Group.objects.filter(project=project).count() >= project.max_groups:
        raise QuotaExceeded(f"the project may hold at most {project.max_groups} groups", quota="groups")
    outer_id = _client_id(Group, project, "outer_id", outer_id, max_length=128, field="group_id", what="group")
    group = Group.objects.create(project=project, name=_name(name), outer_id=outer_id, user_data=_user_data(user_data))
    audit_record(project=project, action="group.create", target=group)
    persons = list(persons)
    if persons:
        group_add_persons(group=group, persons=persons)
    return group


@transaction.atomic
def group_update(*, group: Group, name: str | None = None, user_data: str | None = None) -> Group:
    if name is not None:
        group.name = _name(name)
    if user_data is not None:
        group.user_data = _user_data(user_data)
    group.save()
    audit_record(project=group.project, action="group.update", target=group)
    return group


@transaction.atomic
def group_add_persons(*, group: Group, persons: Iterable[Person]) -> int:
    """Add persons to a group (a person may be in many groups). All or nothing: the quota is checked first."""
    persons = [person for person in persons if person.project_id == group.project_id]
    Group.objects.select_for_update().filter(pk=group.pk).first()
    current = set(group.persons.values_list("pk", flat=True))
    new = [person for person in persons if person.pk not in current]
    if len(current) + len(new) > group.project.max_persons_per_group:
        raise QuotaExceeded(
            f"a group may hold at most {group.project.max_persons_per_group} persons", quota="persons_per_group"
        )
    group.persons.add(*new)
    if new:
        audit_record(
            project=group.project, action="group.add_persons", target=group, persons=[p.person_id for p in new]
        )
    return len(new)


@transaction.atomic
def group_remove_persons(*, group: Group, persons: Iterable[Person]) -> int:
    persons = list(persons)
    before = group.persons.count()
    group.persons.remove(*persons)
    removed = before - group.persons.count()
    if removed:
        audit_record(
            project=group.project,
            action="group.remove_persons",
            target=group,
            persons=[p.person_id for p in persons],
        )
    return removed


@transaction.atomic
def group_delete(*, group: Group) -> None:
    """Delete a group; its persons stay."""
    audit_record(project=group.project, action="group.delete", target=group)
    group.delete()


@transaction.atomic
def person_get_or_create_by_name(*, project: Project, name: str) -> tuple[Person, bool]:
    """The project's (oldest) person with exactly this name, or a new one (the import command's folder-per-person)."""
    _lock_project(project)
    person = Person.objects.filter(project=project, name=_name(name)).order_by("created", "id").first()
    if person is not None:
        return person, False
    return person_create(project=project, name=name), True
