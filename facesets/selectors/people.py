"""Reads of persons and groups."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import RowNumber

from ..exceptions import (
    GroupNotFound,
    PersonNotFound,
)
from ..models import Face, FaceSetMember, Group, Image, Person, Project
from .faces import _unique, all_by_id


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


def persons_get(*, project: Project, person_ids: Iterable[str]) -> list[Person]:
    """Persons by id, in the order asked; one unknown id fails the whole lookup."""
    persons = Person.objects.filter(project=project)
    return all_by_id(persons, "person_id", person_ids, PersonNotFound, field="person_id")


def persons_find(*, project: Project, person_ids: Iterable[str]) -> list[Person]:
    """The persons among these ids that exist (lenient removal)."""
    return list(Person.objects.filter(project=project, person_id__in=_unique(person_ids)))


def person_find(*, project: Project, text: str) -> Person:
    """A person by id, or by name ignoring case when one person bears it (names may repeat: then the person picker,
    which shows each one's faces, or the id tells them apart)."""
    text = (text or "").strip()
    if "\x00" in text:
        raise PersonNotFound("no person's id or name holds a NUL character", field="person")
    persons = Person.objects.filter(project=project)
    person = persons.filter(person_id=text).first() if text else None
    if person is not None:
        return person
    named = list(persons.filter(name__iexact=text)[:2]) if text else []
    if len(named) == 1:
        return named[0]
    if named:
        count = persons.filter(name__iexact=text).count()
        raise PersonNotFound(
            f"{count} persons are named {text!r}: pick one from the list, which shows their faces", field="person"
        )
    raise PersonNotFound(f"no person with the id or name {text!r}", field="person")


def person_lookup(*, project: Project, text: str, limit: int = 10) -> list[dict]:
    """Persons for a search-as-you-type picker: names containing the text (ignoring case; names starting with it
    first) or an exact person id, each with its face count and one face for a thumbnail."""
    text = (text or "").strip()[:100]
    persons = Person.objects.filter(project=project)
    if text:
        persons = persons.filter(Q(name__icontains=text) | Q(person_id=text) | Q(uid=text))
    first_face = Face.objects.filter(person=OuterRef("pk")).order_by("-created", "-id").values("face_id")[:1]
    rows = (
        persons.annotate(
            starts=Case(When(name__istartswith=text, then=Value(0)), default=Value(1), output_field=IntegerField()),
            face_count=Count("faces"),
            face=Subquery(first_face),
        )
        .order_by("starts", "name", "id")
        .values("person_id", "name", "face_count", "face")[:limit]
    )
    return [
        {"person_id": row["person_id"], "name": row["name"], "faces": row["face_count"], "face_id": row["face"]}
        for row in rows
    ]


def person_erasure_preview(*, person: Person) -> dict[str, int]:
    """What erasing the person would remove (services.library.person_erase): faces, face-set entries and sets,
    kept photos showing one of the faces, group memberships."""
    faces = Face.objects.filter(project=person.project_id, person=person)
    entries = FaceSetMember.objects.filter(face__in=faces)
    return {
        "faces": faces.count(),
        "face_set_entries": entries.count(),
        "face_sets": entries.values("face_set_id").distinct().count(),
        "photos": Image.objects.filter(faces__in=faces).exclude(photo=None).distinct().count(),
        "groups": person.groups.count(),
    }


def person_faces(*, person: Person) -> QuerySet[Face]:
    """A person's faces, newest first, without their thumbnails' bytes."""
    return Face.objects.filter(person=person).defer("crop_jpeg").order_by("-created", "-id")


def persons_newest_faces(*, persons: Sequence[Person], limit: int) -> dict[int, tuple[list[Face], int]]:
    """Each person's `limit` newest faces (without their thumbnails' bytes) and their number of faces, by person pk,
    in one query whatever the number of persons (the identity review shows both for every pair it proposes)."""
    shown: dict[int, tuple[list[Face], int]] = {person.pk: ([], 0) for person in persons}
    if not shown:
        return shown
    newest = [F("created").desc(), F("id").desc()]
    faces = (
        Face.objects.filter(person__in=list(shown))
        .defer("crop_jpeg")
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("person_id")], order_by=newest),
            person_faces=Window(Count("id"), partition_by=[F("person_id")]),
        )
        .filter(rank__lte=limit)
        .order_by("person_id", "rank")
    )
    for face in faces:
        listed, _ = shown[face.person_id]
        listed.append(face)
        shown[face.person_id] = (listed, face.person_faces)
    return shown


def person_choices(*, project: Project, limit: int, exclude: Person | None = None) -> QuerySet[Person]:
    """Persons to suggest in a "choose a person" field, by name: ids and names only, no counting."""
    persons = Person.objects.filter(project=project).only("person_id", "name").order_by("name", "id")
    if exclude is not None:
        persons = persons.exclude(pk=exclude.pk)
    return persons[:limit]


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


def groups_get(*, project: Project, group_ids: Iterable[str]) -> list[Group]:
    """Groups by id; one unknown id fails the whole lookup."""
    return all_by_id(Group.objects.filter(project=project), "group_id", group_ids, GroupNotFound, field="group_id")


def group_persons(*, group: Group) -> QuerySet[Person]:
    return group.persons.annotate(face_total=Count("faces")).order_by("name", "id")


# --- by the callers' own ids (a group's outer id, a person's uid: Baidu's group_id and uid) ----------------------


def groups_find_by_outer_id(*, project: Project, outer_ids: Iterable[str]) -> list[Group]:
    """The project's groups with these outer ids, in the order given; unknown ids are left out."""
    outer_ids = _unique(outer_ids)
    found = {group.outer_id: group for group in Group.objects.filter(project=project, outer_id__in=outer_ids)}
    return [found[outer_id] for outer_id in outer_ids if outer_id in found]


def group_outer_ids(*, project: Project) -> QuerySet:
    """The outer ids of the project's groups that have one, oldest group first."""
    groups = Group.objects.filter(project=project).exclude(outer_id=None).order_by("created", "id")
    return groups.values_list("outer_id", flat=True)


def group_members_with_uid(*, project: Project, outer_id: str) -> QuerySet[Person]:
    """The persons with a uid in the group with this outer id (none when there is no such group), oldest first."""
    return Person.objects.filter(project=project, groups__outer_id=outer_id).exclude(uid=None).order_by("created", "id")


def person_in_groups(*, project: Project, uid: str, outer_ids: Iterable[str]) -> Person:
    """The person with this uid if they are in one of these groups; PersonNotFound otherwise."""
    person = Person.objects.filter(project=project, uid=uid, groups__outer_id__in=list(outer_ids)).first()
    if person is None:
        raise PersonNotFound(f"user {uid!r} is not in these groups", field="uid")
    return person


def person_group_outer_ids(*, person: Person) -> list[str]:
    """The outer ids of the groups a person is in, oldest group first."""
    return list(person.groups.exclude(outer_id=None).order_by("created", "id").values_list("outer_id", flat=True))
