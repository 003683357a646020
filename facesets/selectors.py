"""Reads of the domain. Every lookup is scoped to a project: another project's object is as unknown as a missing one."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .exceptions import (
    FaceNotFound,
    FaceSetNotFound,
    GroupNotFound,
    ImageNotFound,
    NotFound,
    PersonNotFound,
    ProjectNotFound,
    TaskNotFound,
)
from .models import Credential, Face, FaceSet, FaceSetMember, Group, Image, Person, Project, Task


def project_get(*, project_id: str) -> Project:
    """The project with this public id."""
    project = Project.objects.filter(project_id=project_id).first()
    if project is None:
        raise ProjectNotFound(f"project {project_id!r} does not exist", field="project_id")
    return project


def credential_get_active(*, access_key: str) -> Credential | None:
    """The active credential with this access key, or None."""
    if not access_key:
        return None
    return Credential.objects.select_related("project").filter(access_key=access_key, revoked__isnull=True).first()


def credential_get_any(*, access_key: str) -> Credential | None:
    """The credential with this access key, revoked or not (to tell a revoked key from a wrong one), or None."""
    if not access_key:
        return None
    return Credential.objects.select_related("project").filter(access_key=access_key).first()


def face_set_list(*, project: Project) -> QuerySet[FaceSet]:
    """The project's face sets, oldest first."""
    return FaceSet.objects.filter(project=project)


def face_set_get(*, project: Project, face_set_id: str | None = None, name: str | None = None) -> FaceSet:
    """A face set of the project by its id or its name."""
    face_sets = FaceSet.objects.select_related("project").filter(project=project)
    if face_set_id is not None:
        face_set = face_sets.filter(face_set_id=face_set_id).first()
    else:
        face_set = face_sets.filter(name=name).first()
    if face_set is None:
        raise FaceSetNotFound(f"face set {face_set_id or name!r} does not exist", field="face_set")
    return face_set


def member_list(
    *,
    face_set: FaceSet,
    filter_text: str | None = None,
    sort=None,
) -> QuerySet[FaceSetMember]:
    """The faces of a face set (membership rows with their face), optionally filtered and sorted with the filter
    language (facesets.filters); raises FilterInvalid on bad syntax, unknown fields or mistyped values."""
    from .filters import filter_q, parse_filter, parse_sort, sort_order_by

    members = FaceSetMember.objects.filter(face_set=face_set).select_related("face").defer("vector", "face__crop_jpeg")
    if filter_text:
        members = members.filter(filter_q(parse_filter(filter_text, face_set.field_schema)))
    if sort:
        members = members.order_by(*sort_order_by(parse_sort(sort, face_set.field_schema)), "id")
    else:
        members = members.order_by("id")
    return members


def member_get(*, face_set: FaceSet, face_id: str) -> FaceSetMember:
    member = member_list(face_set=face_set).filter(face__face_id=face_id).first()
    if member is None:
        raise FaceNotFound(f"face {face_id!r} is not in face set {face_set.name!r}", field="face_id")
    return member


def face_get(*, project: Project, face_id: str) -> Face:
    face = Face.objects.filter(project=project, face_id=face_id).select_related("person", "image").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist", field="face_id")
    return face


def faces_get(*, project: Project, face_ids: list[str]) -> list[Face]:
    """Faces by id, in the order asked; any unknown id fails the whole lookup (all-or-nothing writes use this)."""
    found = {face.face_id: face for face in Face.objects.filter(project=project, face_id__in=face_ids)}
    missing = [face_id for face_id in face_ids if face_id not in found]
    if missing:
        raise FaceNotFound(f"face {missing[0]!r} does not exist", field="face_id", face_ids=",".join(missing))
    return [found[face_id] for face_id in face_ids]


def person_list(*, project: Project, search: str | None = None) -> QuerySet[Person]:
    persons = Person.objects.filter(project=project).annotate(face_total=Count("faces"))
    if search:
        persons = persons.filter(name__icontains=search)
    return persons


def person_get(*, project: Project, person_id: str | None = None, uid: str | None = None) -> Person:
    persons = Person.objects.filter(project=project).select_related("project")
    person = persons.filter(person_id=person_id).first() if person_id is not None else persons.filter(uid=uid).first()
    if person is None:
        raise PersonNotFound(f"person {person_id or uid!r} does not exist", field="person_id")
    return person


def group_list(*, project: Project) -> QuerySet[Group]:
    return Group.objects.filter(project=project).annotate(person_total=Count("persons"))


def group_get(*, project: Project, group_id: str | None = None, outer_id: str | None = None) -> Group:
    groups = Group.objects.filter(project=project).select_related("project")
    group = (
        groups.filter(group_id=group_id).first() if group_id is not None else groups.filter(outer_id=outer_id).first()
    )
    if group is None:
        raise GroupNotFound(f"group {group_id or outer_id!r} does not exist", field="group_id")
    return group


def image_get(*, project: Project, image_id: str) -> Image:
    image = Image.objects.filter(project=project, image_id=image_id).first()
    if image is None:
        raise ImageNotFound(f"image {image_id!r} does not exist", field="image_id")
    return image


def task_get(*, project: Project, task_id: str) -> Task:
    task = Task.objects.filter(project=project, task_id=task_id).first()
    if task is None:
        raise TaskNotFound(f"task {task_id!r} does not exist", field="task_id")
    return task


def project_usage(*, project: Project) -> dict[str, int]:
    """How much of each quota the project uses."""
    return {
        "face_sets": FaceSet.objects.filter(project=project).count(),
        "persons": Person.objects.filter(project=project).count(),
        "groups": Group.objects.filter(project=project).count(),
        "faces": Face.objects.filter(project=project).count(),
    }


# --- the dashboard's reads --------------------------------------------------------------------------------------


def projects_for_user(*, user) -> QuerySet[Project]:
    """The projects a dashboard user may open: every project for a superuser, their memberships otherwise."""
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


def project_role(*, user, project: Project) -> str | None:
    """The user's role in the project ("admin" or "viewer"), None without one; superusers are admins everywhere."""
    from .models import ProjectMembership

    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return ProjectMembership.Role.ADMIN
    return (
        ProjectMembership.objects.filter(project=project, user=user).values_list("role", flat=True).first()
    )


def project_memberships(*, project: Project):
    """The project's members with their users, by user name."""
    from .models import ProjectMembership

    return ProjectMembership.objects.filter(project=project).select_related("user").order_by("user__username")


def member_list_for_display(
    *, face_set: FaceSet, filter_text: str | None = None, sort=None, newest_first: bool = False
) -> QuerySet[FaceSetMember]:
    """member_list with each face's person joined (for a grid), newest first on request when no sort is given."""
    members = member_list(face_set=face_set, filter_text=filter_text, sort=sort).select_related("face__person")
    if newest_first and not sort:
        members = members.order_by("-id")
    return members


def member_count(*, face_set: FaceSet, filter_text: str | None = None) -> int:
    """How many faces of the set match the filter (the whole set's kept counter when there is no filter)."""
    if not filter_text:
        return face_set.face_count
    return member_list(face_set=face_set, filter_text=filter_text).count()


def face_crop_get(*, project: Project, face_id: str) -> bytes | None:
    """A face's thumbnail JPEG, None when the face is unknown or has none."""
    crop = Face.objects.filter(project=project, face_id=face_id).values_list("crop_jpeg", flat=True).first()
    return bytes(crop) if crop else None


def face_memberships(*, face: Face) -> QuerySet[FaceSetMember]:
    """The face sets a face is in, with its field values in each."""
    return FaceSetMember.objects.filter(face=face).select_related("face_set").defer("vector").order_by("id")


def person_faces(*, person: Person) -> QuerySet[Face]:
    """A person's faces, newest first, without their thumbnails' bytes."""
    return Face.objects.filter(person=person).defer("crop_jpeg").order_by("-created", "-id")


def person_find(*, project: Project, text: str) -> Person:
    """A person by id or by exact name (the name must be unique in the project)."""
    text = (text or "").strip()
    persons = Person.objects.filter(project=project)
    person = persons.filter(person_id=text).first()
    if person is not None:
        return person
    named = list(persons.filter(name=text)[:2])
    if len(named) == 1:
        return named[0]
    if named:
        raise PersonNotFound(f"several persons are named {text!r}; use the person id", field="person")
    raise PersonNotFound(f"no person with the id or name {text!r}", field="person")


def group_persons(*, group: Group) -> QuerySet[Person]:
    return group.persons.annotate(face_total=Count("faces")).order_by("name", "id")


def task_list(*, project: Project, kinds: list[str] | None = None, status: str | None = None) -> QuerySet[Task]:
    """The project's tasks, newest first, optionally of some kinds and one status."""
    tasks = Task.objects.filter(project=project).select_related("created_by")
    if kinds:
        tasks = tasks.filter(kind__in=kinds)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("-created", "-id")


def task_items(*, task: Task):
    """A task's items in order, without their payloads."""
    return task.items.defer("payload", "second_payload").order_by("position")


def tasks_get(*, project: Project, task_ids: list[str]) -> list[Task]:
    tasks = {task.task_id: task for task in Task.objects.filter(project=project, task_id__in=task_ids)}
    return [tasks[task_id] for task_id in task_ids if task_id in tasks]


def credential_list(*, project: Project) -> QuerySet[Credential]:
    """The project's credentials, newest first (revoked ones included, for the audit trail)."""
    return Credential.objects.filter(project=project).order_by("-created", "-id")


def credential_get(*, project: Project, access_key: str) -> Credential:
    credential = Credential.objects.filter(project=project, access_key=access_key).first()
    if credential is None:
        raise NotFound(f"credential {access_key!r} does not exist", field="access_key")
    return credential


def search_matches_display(*, project: Project, matches: list[dict]) -> list[dict]:
    """A search task's matches (member / face / person pks with the raw cosine) with their faces, fields and persons,
    in the order found; each carries the Huawei-calibrated similarity the dashboard shows."""
    from recognition.calibration import huawei_similarity

    face_pks = [match["face"] for match in matches]
    faces = {face.pk: face for face in Face.objects.filter(project=project, pk__in=face_pks).select_related("person")}
    member_pks = [match["member"] for match in matches if match.get("member")]
    members = {member.pk: member for member in FaceSetMember.objects.filter(pk__in=member_pks).defer("vector")}
    rows = []
    for match in matches:
        face = faces.get(match["face"])
        if face is None:  # deleted since the search ran
            continue
        member = members.get(match.get("member"))
        rows.append(
            {
                "face": face,
                "person": face.person,
                "fields": member.external_fields if member else {},
                "cosine": match["cosine"],
                "similarity": huawei_similarity(match["cosine"]),
            }
        )
    return rows


# --- face-set search and selection by field (the Huawei dialect's search, show, delete and batch delete) ------------


def face_set_query_validate(*, face_set: FaceSet, filter_text: str | None = None, sort=None) -> None:
    """Check a filter and a sort against the face set's schema before any work is queued (FilterInvalid /
    SortInvalid, with `details["reason"]`)."""
    from .filters import parse_filter, parse_sort

    if filter_text:
        parse_filter(filter_text, face_set.field_schema)
    if sort:
        parse_sort(sort, face_set.field_schema)


def member_list_by_field(*, face_set: FaceSet, field: str, value: str) -> QuerySet[FaceSetMember]:
    """The faces of a set whose `field` equals `value` (query-string text, read as the field's type): the built-ins
    face_id and external_image_id, or a custom field. An unknown field is InvalidFieldValue(reason="undefined"), a
    value that does not fit the field's type InvalidFieldValue(reason="type"), an empty value InvalidArgument."""
    from . import fields
    from .exceptions import InvalidArgument, InvalidFieldValue
    from .filters import Condition, filter_q

    if value is None or value == "":
        raise InvalidArgument(f"{field} must not be empty", field=field)
    if field in ("face_id", "external_image_id"):
        return member_list(face_set=face_set).filter(**{f"face__{field}": value})
    schema = face_set.field_schema or {}
    if field not in schema:
        raise InvalidFieldValue(f"{field} is not a field of the face set", field=field, key=field, reason="undefined")
    typed = fields.coerce_value(field, schema[field], value)
    return member_list(face_set=face_set).filter(filter_q(Condition(field, schema[field], "eq", typed)))


def face_set_search_by_face(
    *, face_set: FaceSet, face_id: str, limit: int, min_cosine: float | None = None, filter_text: str | None = None
):
    """The `limit` faces of a set nearest to one of its own faces, best first (the stored vector is the query, so
    no inference runs); the face itself is among them. FaceNotFound when the face is not in the set."""
    from recognition.search import face_set_search

    from .filters import compile_filter_sql, parse_filter

    query = FaceSetMember.objects.filter(face_set=face_set, face__face_id=face_id).only("vector", "model").first()
    if query is None:
        raise FaceNotFound(f"face {face_id!r} is not in face set {face_set.name!r}", field="face_id")
    filter_sql = compile_filter_sql(parse_filter(filter_text, face_set.field_schema)) if filter_text else None
    return face_set_search(
        face_set=face_set,
        vector=query.vector,
        model=query.model,
        limit=limit,
        min_cosine=min_cosine,
        filter_sql=filter_sql,
    )


def face_set_search_results(*, face_set: FaceSet, matches: list, sort=None) -> list[tuple[FaceSetMember, float]]:
    """Search hits (recognition.search.Match objects or the search operation's {"member", "cosine"} dicts) as
    (member with its face, raw cosine), most similar first; with a sort (filters.parse_sort syntax) the same hits
    ordered by those numeric fields, faces without the field last, ties by similarity. Hits deleted since the search
    ran are left out."""
    from .filters import parse_sort

    pairs = [
        (match["member"], match["cosine"]) if isinstance(match, dict) else (match.member_pk, match.cosine)
        for match in matches
    ]
    members = member_list(face_set=face_set).filter(pk__in=[member_pk for member_pk, _ in pairs]).in_bulk()
    results = [(members[member_pk], cosine) for member_pk, cosine in pairs if member_pk in members]
    results.sort(key=lambda result: result[1], reverse=True)
    for name, _, direction in reversed(parse_sort(sort, face_set.field_schema) if sort else []):
        present = [result for result in results if result[0].external_fields.get(name) is not None]
        absent = [result for result in results if result[0].external_fields.get(name) is None]
        present.sort(key=lambda result: result[0].external_fields[name], reverse=direction == "desc")
        results = present + absent
    return results


def import_item_states(*, face_set: FaceSet, root: str) -> dict[str, tuple[str, str]]:
    """What earlier runs of `import_faces` of folder `root` into this face set did with each file, by the file's path
    relative to the folder: (status, error_code). Tasks are purged 24 h after they finish; see face_set_external_ids
    for what survives that."""
    from .models import TaskItem

    items = (
        TaskItem.objects.filter(
            task__project_id=face_set.project_id,
            task__kind="face_set.enrol",
            task__params__face_set=face_set.pk,
            task__params__source="import_faces",
            task__params__root=root,
        )
        .order_by("task__created", "position")
        .values_list("name", "status", "error_code")
    )
    return {name: (status, error_code) for name, status, error_code in items}


def face_set_external_ids(*, face_set: FaceSet) -> set[str]:
    """Every external_image_id in the face set (one column of its member faces)."""
    return set(
        FaceSetMember.objects.filter(face_set=face_set).values_list("face__external_image_id", flat=True).distinct()
    )


# --- lookups by lists of ids, with the expiry of detected faces (SenseTime's all-or-nothing and lenient calls) -----


def _unexpired(now=None) -> Q:
    """Faces and images that are kept (no expiry) or whose detection has not expired yet."""
    now = now or timezone.now()
    return Q(expires__isnull=True) | Q(expires__gt=now)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def face_get_current(*, project: Project, face_id: str, field: str = "face_id") -> Face:
    """A face that may still be used: kept (in a person or a face set) or detected less than its lifetime ago.
    `field` names the argument in the FaceNotFound (a second face is "face2_id")."""
    face = Face.objects.filter(_unexpired(), project=project, face_id=face_id).select_related("image", "person").first()
    if face is None:
        raise FaceNotFound(f"face {face_id!r} does not exist or has expired", field=field)
    return face


def faces_get_current(*, project: Project, face_ids: Iterable[str], field: str = "face_id") -> list[Face]:
    """Usable faces by id, in the order asked, duplicates once; one unknown or expired id fails the whole lookup."""
    face_ids = _unique(face_ids)
    found = {face.face_id: face for face in Face.objects.filter(_unexpired(), project=project, face_id__in=face_ids)}
    missing = [face_id for face_id in face_ids if face_id not in found]
    if missing:
        raise FaceNotFound(
            f"face {missing[0]!r} does not exist or has expired", field=field, face_ids=",".join(missing)
        )
    return [found[face_id] for face_id in face_ids]


def faces_find(*, project: Project, face_ids: Iterable[str]) -> list[Face]:
    """The faces among these ids that exist, expired or not (removal is lenient and works on expired ids too)."""
    return list(Face.objects.filter(project=project, face_id__in=_unique(face_ids)))


def persons_get(*, project: Project, person_ids: Iterable[str]) -> list[Person]:
    """Persons by id, in the order asked; one unknown id fails the whole lookup."""
    person_ids = _unique(person_ids)
    found = {person.person_id: person for person in Person.objects.filter(project=project, person_id__in=person_ids)}
    missing = [person_id for person_id in person_ids if person_id not in found]
    if missing:
        raise PersonNotFound(f"person {missing[0]!r} does not exist", field="person_id")
    return [found[person_id] for person_id in person_ids]


def persons_find(*, project: Project, person_ids: Iterable[str]) -> list[Person]:
    """The persons among these ids that exist (lenient removal)."""
    return list(Person.objects.filter(project=project, person_id__in=_unique(person_ids)))


def face_sets_get(*, project: Project, face_set_ids: Iterable[str]) -> list[FaceSet]:
    """Face sets by id; one unknown id fails the whole lookup."""
    face_set_ids = _unique(face_set_ids)
    found = {item.face_set_id: item for item in FaceSet.objects.filter(project=project, face_set_id__in=face_set_ids)}
    missing = [face_set_id for face_set_id in face_set_ids if face_set_id not in found]
    if missing:
        raise FaceSetNotFound(f"face set {missing[0]!r} does not exist", field="face_set")
    return [found[face_set_id] for face_set_id in face_set_ids]


def groups_get(*, project: Project, group_ids: Iterable[str]) -> list[Group]:
    """Groups by id; one unknown id fails the whole lookup."""
    group_ids = _unique(group_ids)
    found = {group.group_id: group for group in Group.objects.filter(project=project, group_id__in=group_ids)}
    missing = [group_id for group_id in group_ids if group_id not in found]
    if missing:
        raise GroupNotFound(f"group {missing[0]!r} does not exist", field="group_id")
    return [found[group_id] for group_id in group_ids]


def image_get_current(*, project: Project, image_id: str) -> Image:
    """An image whose detection has not expired (or whose faces were kept)."""
    image = Image.objects.filter(_unexpired(), project=project, image_id=image_id).first()
    if image is None:
        raise ImageNotFound(f"image {image_id!r} does not exist or has expired", field="image_id")
    return image


def image_faces(*, image: Image) -> QuerySet[Face]:
    """The usable faces found in an image, in detection order (largest first), without their thumbnails."""
    return Face.objects.filter(_unexpired(), image=image).defer("crop_jpeg").order_by("id")


def task_get_current(*, project: Project, task_id: str) -> Task:
    """A task of the project created less than 24 h ago (task ids are valid that long)."""
    from .services.tasks import TASK_TTL

    task = Task.objects.filter(project=project, task_id=task_id, created__gt=timezone.now() - TASK_TTL).first()
    if task is None:
        raise TaskNotFound(f"task {task_id!r} does not exist or has expired", field="task_id")
    return task


def import_tasks_unfinished(*, face_set: FaceSet, root: str) -> list[Task]:
    """Tasks of earlier `import_faces` runs of this folder into this face set that the workers have not finished."""
    return list(
        Task.objects.filter(
            project_id=face_set.project_id,
            kind="face_set.enrol",
            params__face_set=face_set.pk,
            params__source="import_faces",
            params__root=root,
            status__in=[Task.Status.PENDING, Task.Status.PROCESSING],
        ).order_by("created")
    )


def person_choices(*, project: Project, limit: int, exclude: Person | None = None) -> QuerySet[Person]:
    """Persons to suggest in a "choose a person" field, by name: ids and names only, no counting."""
    persons = Person.objects.filter(project=project).only("person_id", "name").order_by("name", "id")
    if exclude is not None:
        persons = persons.exclude(pk=exclude.pk)
    return persons[:limit]
