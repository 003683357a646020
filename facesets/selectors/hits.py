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
from .rows import ModelColumns, model_columns, rows_fetch, select_list, table


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


def _face_with_person(
    face_part: ModelColumns, person_part: ModelColumns, face_values: Sequence, person_values: Sequence
):
    face = face_part.build(face_values)
    # A face without a person is cached as such, as select_related does: reading face.person costs no query.
    face._state.fields_cache["person"] = person_part.build(person_values) if person_values[0] is not None else None
    return face


def members_with_faces(*, project_pk: int, member_pks: Sequence[int]) -> dict[int, FaceSetMember]:
    """The members with these pks whose faces are the project's, each with its face and the face's person, by pk."""
    if not member_pks:
        return {}
    sql, (member_part, face_part, person_part) = _members_sql()
    face_start = len(member_part.names)
    person_start = face_start + len(face_part.names)
    members = {}
    for row in rows_fetch(sql, [[int(pk) for pk in member_pks], project_pk]):
        member = member_part.build(row[:face_start])
        member._state.fields_cache["face"] = _face_with_person(
            face_part, person_part, row[face_start:person_start], row[person_start:]
        )
        members[member.pk] = member
    return members


def faces_with_persons(*, project_pk: int, face_pks: Sequence[int]) -> dict[int, Face]:
    """The project's faces with these pks, each with its person, by pk."""
    if not face_pks:
        return {}
    sql, (face_part, person_part) = _faces_sql()
    person_start = len(face_part.names)
    faces = {}
    for row in rows_fetch(sql, [[int(pk) for pk in face_pks], project_pk]):
        face = _face_with_person(face_part, person_part, row[:person_start], row[person_start:])
        faces[face.pk] = face
    return faces
