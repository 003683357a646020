"""The rows behind search hits, read on the hot path of every search: face set members with their faces and persons,
or faces with their persons, as model instances, in one query.

The ORM's select_related spends more of a search's time than the query itself (compiling the SQL, then building
the instances through its row machinery: bench/REPORT.md, issue 16), so these two reads write their SQL once per
process (selectors.rows). The result is the same as
``FaceSetMember.objects.select_related("face", "face__person").defer("vector", "face__crop_jpeg")``: the related
objects are cached on their instances, the vector and the crop are deferred (loaded on first access).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from ..models import Face, FaceSetMember, Person
from .rows import ModelColumns, model_columns, row_instances, rows_fetch, select_list, table


@cache
def _members_sql() -> tuple[str, tuple[ModelColumns, ...]]:
    parts = (
        model_columns(FaceSetMember, "m", ("vector",)),
        model_columns(Face, "f", ("crop_jpeg",)),
        model_columns(Person, "p"),
    )
    sql = (
        f"SELECT {select_list(parts)} "
        f"FROM {table(FaceSetMember)} m JOIN {table(Face)} f ON f.id = m.face_id "
        f"LEFT JOIN {table(Person)} p ON p.id = f.person_id "
        "WHERE m.id = ANY(%s) AND f.project_id = %s"
    )
    return sql, parts


@cache
def _faces_sql() -> tuple[str, tuple[ModelColumns, ...]]:
    parts = (model_columns(Face, "f", ("crop_jpeg",)), model_columns(Person, "p"))
    sql = (
        f"SELECT {select_list(parts)} "
        f"FROM {table(Face)} f LEFT JOIN {table(Person)} p ON p.id = f.person_id "
        "WHERE f.id = ANY(%s) AND f.project_id = %s"
    )
    return sql, parts


def members_with_faces(*, project_pk: int, member_pks: Sequence[int]) -> dict[int, FaceSetMember]:
    """The members with these pks whose faces are the project's, each with its face and the face's person, by pk."""
    if not member_pks:
        return {}
    sql, parts = _members_sql()
    members = {}
    for row in rows_fetch(sql, [[int(pk) for pk in member_pks], project_pk]):
        member, face, person = row_instances(row, parts)
        # Related rows cached as select_related caches them (a face without a person too): reading costs no query.
        face._state.fields_cache["person"] = person
        member._state.fields_cache["face"] = face
        members[member.pk] = member
    return members


def faces_with_persons(*, project_pk: int, face_pks: Sequence[int]) -> dict[int, Face]:
    """The project's faces with these pks, each with its person, by pk."""
    if not face_pks:
        return {}
    sql, parts = _faces_sql()
    faces = {}
    for row in rows_fetch(sql, [[int(pk) for pk in face_pks], project_pk]):
        face, person = row_instances(row, parts)
        face._state.fields_cache["person"] = person
        faces[face.pk] = face
    return faces
