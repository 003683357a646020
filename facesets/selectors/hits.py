"""The rows behind search hits, read on the hot path of every search: face set members with their faces and persons,
or faces with their persons, as model instances, in one query.

The ORM's select_related spends more of a search's time than the query itself (compiling the SQL, then building
the instances through its row machinery: bench/REPORT.md, issue 16), so these two reads write their SQL once per
process from the models' own field lists and build the instances with Model.from_db and each field's database
converters, as the ORM does. The result is the same as
``FaceSetMember.objects.select_related("face", "face__person").defer("vector", "face__crop_jpeg")``: the related
objects are cached on their instances, the vector and the crop are deferred (loaded on first access).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.db import connection

from ..models import Face, FaceSetMember, Person


@dataclass(frozen=True)
class _Columns:
    """One model's part of a joined row: its columns under an alias, their attribute names and converters."""

    model: type
    select: tuple[str, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[object, tuple], ...]  # (column expression, its converters) per column

    def build(self, values: Sequence):
        converted = []
        for value, (expression, converters) in zip(values, self.converters, strict=True):
            for converter in converters:
                value = converter(value, expression, connection)
            converted.append(value)
        return self.model.from_db(connection.alias, self.names, converted)


@cache
def _columns(model: type, alias: str, skip: tuple[str, ...] = ()) -> _Columns:
    fields = [field for field in model._meta.concrete_fields if field.attname not in skip]
    quote = connection.ops.quote_name
    converters = []
    for field in fields:
        expression = field.get_col(alias)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        converters.append((expression, tuple(found)))
    return _Columns(
        model=model,
        select=tuple(f"{alias}.{quote(field.column)}" for field in fields),
        names=tuple(field.attname for field in fields),
        converters=tuple(converters),
    )


def _table(model: type) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@cache
def _members_sql() -> tuple[str, tuple[_Columns, ...]]:
    parts = (_columns(FaceSetMember, "m", ("vector",)), _columns(Face, "f", ("crop_jpeg",)), _columns(Person, "p"))
    sql = (
        f"SELECT {', '.join(column for part in parts for column in part.select)} "
        f"FROM {_table(FaceSetMember)} m JOIN {_table(Face)} f ON f.id = m.face_id "
        f"LEFT JOIN {_table(Person)} p ON p.id = f.person_id "
        "WHERE m.id = ANY(%s) AND f.project_id = %s"
    )
    return sql, parts


@cache
def _faces_sql() -> tuple[str, tuple[_Columns, ...]]:
    parts = (_columns(Face, "f", ("crop_jpeg",)), _columns(Person, "p"))
    sql = (
        f"SELECT {', '.join(column for part in parts for column in part.select)} "
        f"FROM {_table(Face)} f LEFT JOIN {_table(Person)} p ON p.id = f.person_id "
        "WHERE f.id = ANY(%s) AND f.project_id = %s"
    )
    return sql, parts


def _rows(sql: str, pks: Sequence[int], project_pk: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [[int(pk) for pk in pks], project_pk])
        return cursor.fetchall()


def _face_with_person(face_part: _Columns, person_part: _Columns, face_values: Sequence, person_values: Sequence):
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
    for row in _rows(sql, member_pks, project_pk):
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
    for row in _rows(sql, face_pks, project_pk):
        face = _face_with_person(face_part, person_part, row[:person_start], row[person_start:])
        faces[face.pk] = face
    return faces
