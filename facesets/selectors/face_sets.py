"""Reads of face sets and their members: listing with the filter language, search results, import state."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db.models import QuerySet

from ..exceptions import (
    FaceNotFound,
    FaceSetNotFound,
)
from ..models import FaceSet, FaceSetMember, Project
from .faces import all_by_id
from .rows import column, model_columns, rows_fetch, select_list, table


def face_set_list(*, project: Project, tags: Iterable[str] | None = None) -> QuerySet[FaceSet]:
    """The project's face sets, oldest first; with `tags`, only those carrying every one of them."""
    face_sets = FaceSet.objects.filter(project=project)
    for tag in tags or ():
        face_sets = face_sets.filter(tags__contains=[tag])
    return face_sets


def face_set_get(
    *,
    project: Project,
    face_set_id: str | None = None,
    name: str | None = None,
    faceset_token: str | None = None,
    outer_id: str | None = None,
) -> FaceSet:
    """A face set of the project by one of its ids (face_set_id, faceset_token, outer_id) or its name; FaceSetNotFound
    names the argument used."""
    given = {"face_set_id": face_set_id, "faceset_token": faceset_token, "outer_id": outer_id, "name": name}
    field, value = next(((key, value) for key, value in given.items() if value is not None), ("name", None))
    face_set = face_set_row(project_pk=project.pk, field=field, value=value) if value is not None else None
    if face_set is None:
        raise FaceSetNotFound(f"face set {value!r} does not exist", field="face_set", by=field)
    face_set.project = project  # the caller's row, not a second copy joined in
    return face_set


def face_set_row(*, project_pk: int, field: str, value) -> FaceSet | None:
    """The project's face set whose `field` (id, name, face_set_id, faceset_token or outer_id) is `value`, or None: the
    lookup every face set call starts with, on SQL written once (selectors.rows)."""
    model_field = FaceSet._meta.get_field(field)
    rows = rows_fetch(_face_set_sql(field), [project_pk, model_field.get_prep_value(value)])
    return model_columns(FaceSet, "s").build(rows[0]) if rows else None


@cache
def _face_set_sql(field: str) -> str:
    return (
        f"SELECT {select_list([model_columns(FaceSet, 's')])} FROM {table(FaceSet)} s "
        f"WHERE s.project_id = %s AND s.{column(FaceSet, field)} = %s ORDER BY s.id LIMIT 1"
    )


def face_sets_get(*, project: Project, face_set_ids: Iterable[str]) -> list[FaceSet]:
    """Face sets by id; one unknown id fails the whole lookup."""
    face_sets = FaceSet.objects.filter(project=project)
    return all_by_id(face_sets, "face_set_id", face_set_ids, FaceSetNotFound, field="face_set")


def member_list(
    *,
    face_set: FaceSet,
    filter_text: str | None = None,
    sort=None,
) -> QuerySet[FaceSetMember]:
    """The faces of a face set (membership rows with their face), optionally filtered and sorted with the filter
    language (facesets.filters); raises FilterInvalid on bad syntax, unknown fields or mistyped values."""
    from ..filters import filter_q, parse_filter, parse_sort, sort_order_by

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


def member_count_kept_elsewhere(
    *, face_set: FaceSet, filter_text: str | None = None, face_pks: list[int] | None = None
) -> int:
    """How many of the faces of the set matching the filter (or among `face_pks`) would survive their removal from it
    (services.lifecycle: they belong to a person or to another face set); the others are deleted with their vectors
    and thumbnails."""
    from django.db.models import Exists, OuterRef, Q

    elsewhere = FaceSetMember.objects.filter(face_id=OuterRef("face_id")).exclude(face_set=face_set)
    members = member_list(face_set=face_set, filter_text=filter_text)
    if face_pks is not None:
        members = members.filter(face_id__in=face_pks)
    return members.filter(Q(face__person__isnull=False) | Exists(elsewhere)).count()


def face_set_query_validate(*, face_set: FaceSet, filter_text: str | None = None, sort=None) -> None:
    """Check a filter and a sort against the face set's schema before any work is queued (FilterInvalid /
    SortInvalid, with `details["reason"]`)."""
    from ..filters import parse_filter, parse_sort

    if filter_text:
        parse_filter(filter_text, face_set.field_schema)
    if sort:
        parse_sort(sort, face_set.field_schema)


def member_list_by_field(*, face_set: FaceSet, field: str, value: str) -> QuerySet[FaceSetMember]:
    """The faces of a set whose `field` equals `value` (query-string text, read as the field's type): the built-ins
    face_id and external_image_id, or a custom field. An unknown field is InvalidFieldValue(reason="undefined"), a
    value that does not fit the field's type InvalidFieldValue(reason="type"), an empty value InvalidArgument."""
    from .. import fields
    from ..exceptions import InvalidArgument, InvalidFieldValue
    from ..filters import Condition, filter_q

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
    from ..filters import compile_filter_sql, parse_filter
    from ..search import face_set_search

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


def face_set_external_ids(*, face_set: FaceSet) -> set[str]:
    """Every external_image_id in the face set (one column of its member faces)."""
    return set(
        FaceSetMember.objects.filter(face_set=face_set).values_list("face__external_image_id", flat=True).distinct()
    )
