"""Reads of the domain. Every lookup is scoped to a project: another project's object is as unknown as a missing one."""

from __future__ import annotations

from django.db.models import Count, QuerySet

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
