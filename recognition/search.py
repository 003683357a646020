"""Vector search in PostgreSQL with pgvector: scope + typed field filter + order by cosine distance + limit, one query.

Strategy, per face set, by measurement (see bench/ and README):
- a face set below FACELIB_HNSW_MIN_FACES faces is searched by an exact scan of its rows (a b-tree on face_set_id
  narrows the scan to the set; exact is always right and at these sizes fast);
- a larger set gets its own partial HNSW index (m=32, ef_construction=128: default HNSW settings put the wrong person
  first for 29 % of queries at 1M faces) searched with ef_search=100 and pgvector's iterative index scan, so a
  filtered search keeps walking the graph until it has enough rows; if it still returns fewer than asked for, the
  query is re-run as an exact scan, so a filtered search never silently returns fewer matches than exist.
Person, group and face-list scopes are small by nature and always scanned exactly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

logger = logging.getLogger(__name__)

MEMBER_TABLE = "facesets_facesetmember"


@dataclass(frozen=True)
class Match:
    """One search hit: the face, its face-set membership row when searched in a set, and the raw cosine similarity."""

    face_pk: int
    cosine: float
    member_pk: int | None = None
    person_pk: int | None = None


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{float(value):.7g}" for value in vector) + "]"


def index_name(face_set_pk: int) -> str:
    return f"fsm_hnsw_{face_set_pk}"


def face_set_search(
    *,
    face_set,
    vector: Sequence[float],
    model: str,
    limit: int,
    min_cosine: float | None = None,
    filter_sql: tuple[str, list] | None = None,
    exact: bool | None = None,
) -> list[Match]:
    """The `limit` faces of a face set nearest to `vector` (made by `model`), best first, optionally restricted by a
    compiled field filter (SQL over alias `m` = member, `f` = face) and a minimum cosine similarity."""
    if limit <= 0:
        return []
    use_index = bool(face_set.vector_index) if exact is None else not exact
    if use_index:
        matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=True)
        if len(matches) < limit:
            # The graph walk can stop short under a selective filter: settle it exactly.
            matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=False)
    else:
        matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=False)
    if min_cosine is not None:
        matches = [match for match in matches if match.cosine >= min_cosine]
    return matches


def _face_set_query(face_set, vector, model, limit, filter_sql, *, indexed: bool) -> list[Match]:
    query_vector = _vector_literal(vector)
    dimensions = len(vector)
    # The indexed form must repeat the index's expression and predicate literally for the planner to use it.
    distance = (
        f"(m.vector::vector({dimensions}) <=> %s::vector({dimensions}))" if indexed else "(m.vector <=> %s::vector)"
    )
    where = ["m.face_set_id = %s", "m.model = %s"]
    params: list = [query_vector, face_set.pk, model]
    join = ""
    if filter_sql and filter_sql[0]:
        where.append(f"({filter_sql[0]})")
        params.extend(filter_sql[1])
        # Only a filter on face_id / external_image_id needs the face row: a join costs ~2x on an exact scan.
        if re.search(r"\bf\.", filter_sql[0]):
            join = "JOIN facesets_face f ON f.id = m.face_id "
    params.append(limit)
    inner = (
        f"SELECT m.id AS member_id, m.face_id, {distance} AS distance "
        f"FROM {MEMBER_TABLE} m {join}"
        f"WHERE {' AND '.join(where)} ORDER BY distance LIMIT %s"
    )
    # Iterative scans return rows in approximately increasing distance: re-sort the few rows they yield.
    query = f"WITH hits AS MATERIALIZED ({inner}) SELECT member_id, face_id, distance FROM hits ORDER BY distance"
    with transaction.atomic(), connection.cursor() as cursor:
        if indexed:
            cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(settings.FACELIB_HNSW_EF_SEARCH, limit)])
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute(query, params)
        rows = cursor.fetchall()
    return [Match(face_pk=face_pk, member_pk=member_pk, cosine=1.0 - distance) for member_pk, face_pk, distance in rows]


def faces_search(
    *,
    project_pk: int,
    vector: Sequence[float],
    model: str,
    limit: int,
    face_pks: Iterable[int] | None = None,
    person_pk: int | None = None,
    group_pk: int | None = None,
    min_cosine: float | None = None,
) -> list[Match]:
    """Exact search over the embeddings of a list of faces, a person's faces or a group's persons' faces."""
    where = ["e.model = %s", "f.project_id = %s"]
    params: list = [_vector_literal(vector), model, project_pk]
    if face_pks is not None:
        where.append("f.id = ANY(%s)")
        params.append(list(face_pks))
    if person_pk is not None:
        where.append("f.person_id = %s")
        params.append(person_pk)
    if group_pk is not None:
        where.append("f.person_id IN (SELECT person_id FROM facesets_group_persons WHERE group_id = %s)")
        params.append(group_pk)
    params.append(limit)
    query = (
        "SELECT f.id, f.person_id, e.vector <=> %s::vector AS distance "
        "FROM recognition_embedding e JOIN facesets_face f ON f.id = e.face_id "
        f"WHERE {' AND '.join(where)} ORDER BY distance LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    matches = [
        Match(face_pk=face_pk, person_pk=person_pk, cosine=1.0 - distance) for face_pk, person_pk, distance in rows
    ]
    if min_cosine is not None:
        matches = [match for match in matches if match.cosine >= min_cosine]
    return matches


def group_identify(*, group_pk: int, vector: Sequence[float], model: str, limit: int) -> list[Match]:
    """The `limit` persons of a group most similar to `vector`: each person scored by their best face."""
    query = (
        "SELECT DISTINCT ON (f.person_id) f.person_id, f.id, e.vector <=> %s::vector AS distance "
        "FROM recognition_embedding e JOIN facesets_face f ON f.id = e.face_id "
        "WHERE e.model = %s AND f.person_id IN (SELECT person_id FROM facesets_group_persons WHERE group_id = %s) "
        "ORDER BY f.person_id, distance"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, id, distance FROM ({query}) best ORDER BY distance LIMIT %s",
            [_vector_literal(vector), model, group_pk, limit],
        )
        rows = cursor.fetchall()
    return [Match(face_pk=face_pk, person_pk=person_pk, cosine=1.0 - distance) for person_pk, face_pk, distance in rows]


def face_set_index_build(*, face_set, model: str, dimensions: int) -> str:
    """Build the partial HNSW index of one face set (concurrently: searches and enrolment go on meanwhile)."""
    name = index_name(face_set.pk)
    statement = sql.SQL(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
        "USING hnsw ((vector::vector({dims})) vector_cosine_ops) WITH (m = {m}, ef_construction = {ef}) "
        "WHERE face_set_id = {face_set} AND model = {model}"
    ).format(
        name=sql.Identifier(name),
        table=sql.Identifier(MEMBER_TABLE),
        dims=sql.Literal(int(dimensions)),
        m=sql.Literal(int(settings.FACELIB_HNSW_M)),
        ef=sql.Literal(int(settings.FACELIB_HNSW_EF_CONSTRUCTION)),
        face_set=sql.Literal(int(face_set.pk)),
        model=sql.Literal(model),
    )
    if connection.in_atomic_block:
        raise RuntimeError("an index is built concurrently, outside a transaction")
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))
    logger.info("built vector index %s for face set %s", name, face_set.face_set_id)
    return name


def drop_face_set_index(face_set) -> None:
    """Drop a face set's partial index, if it has one (inside the caller's transaction)."""
    if not face_set.vector_index:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("DROP INDEX IF EXISTS {name}")
            .format(name=sql.Identifier(face_set.vector_index))
            .as_string(connection.connection)
        )
