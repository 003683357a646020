"""The library's vector search in PostgreSQL with pgvector: scope + typed field filter + order by cosine distance +
limit, one query.

Strategy, per face set, by measurement (see bench/ and README):
- a face set below FACELIB_HNSW_MIN_FACES faces is searched by an exact scan of its rows (a b-tree on face_set_id
  narrows the scan to the set; exact is always right and at these sizes fast); from FACELIB_MEMORY_SCAN_MIN_FACES
  faces an unfiltered search scans the set's vectors in the process's memory instead and lets PostgreSQL rank the
  best of them with the rows added since (_memory_search: the same answer, ~2 ms instead of ~8 ms at 10,000);
- a larger set gets its own partial HNSW index (m=32, ef_construction=128: default HNSW settings put the wrong person
  first for 29 % of queries at 1M faces) searched with ef_search=100 and pgvector's iterative index scan, so a
  filtered search keeps walking the graph until it has enough rows; if it still returns fewer than asked for, the
  query is re-run as an exact scan, so a filtered search never silently returns fewer matches than exist.
- a large set also gets an in-process graph (recognition.graph: an HNSW graph built by usearch, in a file every
  searching process memory-maps): the graph proposes candidates, PostgreSQL ranks them by the exact cosine of the
  stored vectors together with the rows added since the graph was written (ids above its watermark), so a removed
  face never comes back and a new one is found at once. At 1M faces it reaches recall@10 0.99 in less than
  pgvector's time at 0.92 (pgvector's index needs ef_search 400 and ~50 ms for 0.98) and answers a 10 % filter in a
  third of the time (bench/REPORT.md). A set whose graph is missing, unreadable or too far behind is searched by the
  SQL paths above while a worker writes a new one.
Person, group and face-list scopes are small by nature and always scanned exactly.

With its HNSW index a set also gets a partial b-tree index on the typed expression of each custom field (the very
expression facesets.fields defines and the filter compiler uses), so the planner can find a selective filter's rows
first and rank only them exactly. Measured in bench/REPORT.md: at 100k faces a filter keeping 0.1 % went from 207 ms
p50 with recall@10 0.75 (the graph walk filled the page with the wrong faces) to 1 ms and exact results.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import psycopg
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from recognition import graph as graphs
from recognition.models import Embedding
from recognition.search import (
    HNSW_MAX_EF_SEARCH,
    ExactMatrix,
    Match,
    build_memory_mb,
    ef_search_for,
    graph_ef_search_for,
    vector_literal,
)

from .fields import field_expression_sql, normalize_schema
from .models import Face, FaceSetMember, Group

logger = logging.getLogger(__name__)

# Table names come from the models, so a renamed table cannot leave a stale name in the SQL below.
MEMBER_TABLE = FaceSetMember._meta.db_table
FACE_TABLE = Face._meta.db_table
GROUP_PERSONS_TABLE = Group.persons.through._meta.db_table
EMBEDDING_TABLE = Embedding._meta.db_table
# Candidates per wanted row (pgvector's walk and the graph's candidates alike), divided by the share of rows a filter
# keeps; the graph takes at least 40.
CANDIDATES_PER_ROW = 4
FILTERED_EXACT_ROWS = 20_000  # a filter keeping at most this many rows is ranked exactly (as a small set is)
FILTERED_NARROW_ROWS = 2_000  # ... and one keeping at most this many is sent there without asking the graph first
GRAPH_MAX_CANDIDATES = 2000  # more than this (a narrow filter on a huge set) and the SQL paths answer


def index_name(face_set_pk: int) -> str:
    return f"fsm_hnsw_{face_set_pk}"


def field_index_prefix(face_set_pk: int) -> str:
    return f"fsm_f{face_set_pk}_"


def field_index_name(face_set_pk: int, field: str) -> str:
    """Name of a set's index on one custom field (hashed: field names may be long or need quoting)."""
    return field_index_prefix(face_set_pk) + hashlib.sha1(field.encode()).hexdigest()[:12]


_DATABASE_KEYS: dict[tuple, str] = {}


def graph_folder() -> Path:
    """This database's folder of graph files, under FACELIB_GRAPH_DIR: named by the server, the database and its
    OID, so that databases sharing a var/ folder (the benchmarks', the tests', a database dropped and created again)
    never read each other's graphs, whose keys are their own member ids."""
    params = connection.settings_dict
    identity = (params.get("HOST"), params.get("PORT"), params.get("NAME"))
    key = _DATABASE_KEYS.get(identity)
    if key is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
            oid = cursor.fetchone()[0]
        digest = hashlib.sha1(repr((*identity, oid)).encode()).hexdigest()[:12]
        key = _DATABASE_KEYS.setdefault(identity, f"{graphs.safe_stem(str(params.get('NAME')))}-{digest}")
    return Path(settings.FACELIB_GRAPH_DIR) / key


def graph_stem(face_set_pk: int, model: str) -> str:
    """The name of a face set's graph files for one model (recognition.graph)."""
    return f"{graph_prefix(face_set_pk)}{graphs.safe_stem(model)}"


def graph_prefix(face_set_pk: int) -> str:
    """What the names of all of a face set's graph files start with."""
    return f"fs{int(face_set_pk)}-"


def face_set_graph(face_set, model: str) -> graphs.Graph | None:
    """The set's graph for ``model`` when graphs are on and the set is big enough to have one, else None."""
    if not settings.FACELIB_GRAPH or face_set.face_count < settings.FACELIB_HNSW_MIN_FACES:
        return None
    return graphs.open_latest(graph_folder(), graph_stem(face_set.pk, model))


def graph_behind(face_set, graph: graphs.Graph) -> bool:
    """Whether the set has changed enough since its graph was written for a refresh to be due (the rows added since
    are searched exactly on every query; removed ones take candidate places)."""
    drift = abs(int(face_set.face_count) - graph.size)
    return drift >= max(int(settings.FACELIB_GRAPH_REFRESH_ROWS), graph.size // 100)


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
    filtered = bool(filter_sql and filter_sql[0])
    large = exact is None and (bool(face_set.vector_index) or face_set.face_count >= settings.FACELIB_HNSW_MIN_FACES)
    narrow = (
        filtered and large and _filtered_rows(face_set, model, filter_sql, FILTERED_NARROW_ROWS) <= FILTERED_NARROW_ROWS
    )
    if large and not narrow:
        # The graph first: its candidates, filtered and ranked exactly in SQL, answer when enough of them pass (a
        # filter that few rows pass, counted cheaply first, goes straight to the exact ranking below).
        matches = _graph_search(face_set, vector, model, limit, filter_sql, None)
        if matches is not None:
            return _at_least(matches, min_cosine)
    # A filtered graph walk returns the first rows that pass the filter, not the nearest ones: at 1M faces a filter
    # keeping 0.1 % got 39 % of the true top 10 (bench/REPORT.md). A filter that keeps few rows is settled exactly
    # (the set's field indexes find them); a wider one takes more candidates, in proportion to the rows it drops.
    rows = _filtered_rows(face_set, model, filter_sql, FILTERED_EXACT_ROWS) if filtered and large else None
    if rows is not None and rows > FILTERED_EXACT_ROWS:
        matches = _graph_search(face_set, vector, model, limit, filter_sql, rows)
        if matches is not None:
            return _at_least(matches, min_cosine)
    use_index = bool(face_set.vector_index) if exact is None else not exact
    ef_search = max(ef_search_for(face_set.face_count), limit)
    if use_index and filtered:
        cap = FILTERED_EXACT_ROWS
        rows = _filtered_rows(face_set, model, filter_sql, cap) if rows is None else rows
        if rows <= cap:
            use_index = False
        else:
            share = rows / max(face_set.face_count, rows)  # a lower bound: counting stopped at cap + 1
            ef_search = min(HNSW_MAX_EF_SEARCH, max(ef_search, math.ceil(CANDIDATES_PER_ROW * limit / share)))
    if not use_index and not filtered and exact is None:
        matches = _memory_search(face_set, vector, model, limit)
        if matches is not None:
            return _at_least(matches, min_cosine)
    if use_index:
        matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=True, ef_search=ef_search)
        if len(matches) < limit:
            # The graph walk can stop short under a selective filter: settle it exactly.
            matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=False)
    else:
        matches = _face_set_query(face_set, vector, model, limit, filter_sql, indexed=False)
    return _at_least(matches, min_cosine)


def _at_least(matches: list[Match], min_cosine: float | None) -> list[Match]:
    return matches if min_cosine is None else [match for match in matches if match.cosine >= min_cosine]


def _graph_search(face_set, vector, model, limit, filter_sql, rows: int | None) -> list[Match] | None:
    """The search through the set's graph, or None when the SQL paths must answer (no graph, too many candidates
    wanted, or too few rows came back: removed faces or a filter took the candidates' places).

    Without a count of the rows a filter keeps (``rows`` None), a filtered search takes as many candidates as the walk
    visits anyway (its ef): a filter keeping a few percent of the set leaves enough of them, and no count is paid
    (counting 20,000 passing rows costs more than the search). With the count, candidates grow in proportion to the
    rows the filter drops."""
    graph = face_set_graph(face_set, model)
    if graph is None:
        if rows is None and settings.FACELIB_GRAPH and face_set.face_count >= settings.FACELIB_HNSW_MIN_FACES:
            _graph_refresh_schedule(face_set)
        return None
    if rows is None and graph_behind(face_set, graph):
        _graph_refresh_schedule(face_set)
    ef_search = graph_ef_search_for(graph.size)
    filtered = bool(filter_sql and filter_sql[0])
    share = 1.0 if rows is None else rows / max(face_set.face_count, rows)
    stored = len(graph.index)  # with tombstones of rows removed before the file was written; and since:
    removed = stored - graph.size + max(0, graph.size - int(face_set.face_count))
    wanted = CANDIDATES_PER_ROW * limit / share * stored / max(1, stored - removed)
    candidates = max(40, math.ceil(wanted), ef_search if filtered and rows is None else 0)
    if candidates > GRAPH_MAX_CANDIDATES or len(vector) != graph.index.ndim:
        return None
    # A filter's answer lies deeper in the ranking (a 10 % filter's top 10 is about the overall top 100), where a walk
    # of ef candidates is less sure: it walks twice as far (at 1M faces, 10 % filter: recall@10 0.89 -> 0.96).
    keys = graph.search(np.asarray(vector, dtype=np.float32), candidates, ef_search * (2 if filtered else 1))
    matches, _ = _members_ranked(face_set, vector, model, limit, filter_sql, keys=keys, above=graph.watermark)
    return matches if len(matches) >= limit else None


# --- a small set's vectors in memory ----------------------------------------------------------------------------
# Below the graph's size PostgreSQL scans a set's rows for every search (~8 ms for 10,000 faces, most of a search's
# time beyond the engine: bench/search_trace.py). The searching process keeps the vectors of the sets it searched
# (ExactMatrix) and asks PostgreSQL only to rank its candidates exactly together with the rows added since they were
# loaded (ids above the watermark), as the graph path does: a face removed since is never returned, a new one is found
# at once, and the answer is the exact scan's (every held row is scored; candidates make room for removed rows).
_MATRICES: OrderedDict[tuple[int, float, str], ExactMatrix] = OrderedDict()
_MATRICES_LOCK = threading.Lock()
MEMORY_RELOAD_NEW_ROWS = 1_000  # more rows than this added since the load (or as many removed): load again
MEMORY_SETTLED_SECONDS = 120  # rows younger than this when the vectors were read are ranked by SQL as new ones


def _memory_search(face_set, vector, model: str, limit: int) -> list[Match] | None:
    """An unfiltered search of a small set through its vectors in memory, or None (off, too small, or too few rows
    came back: the SQL scan answers)."""
    minimum = settings.FACELIB_MEMORY_SCAN_MIN_FACES
    if not minimum or face_set.face_count < minimum or face_set.face_count > settings.FACELIB_MEMORY_SCAN_MAX_FACES:
        return None
    matrix = _matrix(face_set, model)
    removed = max(0, len(matrix) - int(face_set.face_count))  # at least this many held rows are gone
    changed = removed > MEMORY_RELOAD_NEW_ROWS or int(face_set.face_count) - len(matrix) > MEMORY_RELOAD_NEW_ROWS
    # Rows that were young when read are ranked by SQL on every search until read again once they have settled (a
    # set enrolled just before its first search would otherwise be scanned by SQL as long as the process lives).
    unsettled = matrix.watermark < matrix.newest and time.monotonic() - matrix.loaded > MEMORY_SETTLED_SECONDS
    if changed or unsettled:
        matrix = _matrix(face_set, model, reload=True)
        removed = max(0, len(matrix) - int(face_set.face_count))
    if len(vector) != matrix.vectors.shape[1] and len(matrix):
        return None
    # Spare candidates cover removed rows and near-ties between this scan's float32 scores and PostgreSQL's.
    keys = matrix.nearest(vector, limit + removed + max(8, limit // 2))
    matches, held = _members_ranked(face_set, vector, model, limit, None, keys=keys, above=matrix.watermark)
    # The candidates are the best held rows: the answer is exact while at least `limit` of them are still there (any
    # held row outside them ranks below all of them), or when every held row was a candidate.
    if held < limit and len(keys) < len(matrix):
        return None
    return matches


def _matrix(face_set, model: str, *, reload: bool = False) -> ExactMatrix:
    key = (face_set.pk, face_set.created.timestamp() if face_set.created else 0.0, model)  # a re-used pk is another set
    with _MATRICES_LOCK:
        matrix = _MATRICES.get(key)
        if matrix is not None and not reload:
            _MATRICES.move_to_end(key)
            return matrix
    rows, vectors = vectors_fetch(
        f"SELECT m.id, m.vector FROM {MEMBER_TABLE} m WHERE m.face_set_id = %s AND m.model = %s", [face_set.pk, model]
    )
    # Member ids come from a sequence but commit in any order: a row with a lower id than those read may commit after
    # the read. Rows added in the last minutes are therefore always ranked by SQL too (an enrolment's transaction
    # lasts well under a second).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(max(m.id), 0) FROM {MEMBER_TABLE} m WHERE m.face_set_id = %s AND m.model = %s "
            "AND m.added < now() - make_interval(secs => %s)",
            [face_set.pk, model, MEMORY_SETTLED_SECONDS],
        )
        settled = int(cursor.fetchone()[0])
    matrix = ExactMatrix(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)), vectors, settled)
    with _MATRICES_LOCK:
        _MATRICES[key] = matrix
        _MATRICES.move_to_end(key)
        while (
            len(_MATRICES) > 1
            and sum(len(held) for held in _MATRICES.values()) > settings.FACELIB_MEMORY_SCAN_MAX_FACES
        ):
            _MATRICES.popitem(last=False)
    return matrix


def vectors_fetch(query: str, params: list) -> tuple[list[tuple], np.ndarray]:
    """The rows of a query whose last column is a pgvector vector: each row's other columns, and the vectors as one
    float32 array (n x dimensions). pgvector's binary form (int16 dimensions, int16 unused, big-endian float4s) is
    read straight into the array: its text form costs ~100 µs a row to parse, this ~1 µs."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # Django's own cursors cannot return binary rows
        cursor.execute(query, params, binary=True)
        rows = cursor.fetchall()
    dimensions = int.from_bytes(rows[0][-1][:2], "big") if rows else 0
    blob = b"".join(bytes(row[-1])[4:] for row in rows)
    vectors = np.frombuffer(blob, dtype=">f4").astype(np.float32).reshape(len(rows), dimensions)
    return [tuple(row[:-1]) for row in rows], vectors


def _with_filter(where: list[str], params: list, filter_sql: tuple[str, list] | None) -> str:
    """Add a compiled field filter to a member query's conditions and parameters; returns the join it needs (only a
    filter on face_id / external_image_id needs the face row: a join costs ~2x on an exact scan)."""
    if not (filter_sql and filter_sql[0]):
        return ""
    where.append(f"({filter_sql[0]})")
    params.extend(filter_sql[1])
    return f"JOIN {FACE_TABLE} f ON f.id = m.face_id " if re.search(r"\bf\.", filter_sql[0]) else ""


def _members_ranked(face_set, vector, model, limit, filter_sql, *, keys, above: int) -> tuple[list[Match], int]:
    """The set's rows among ``keys`` or with an id above ``above`` (not held by the caller's index yet), ranked by exact
    cosine; and how many of ``keys`` are still in the set (and pass the filter)."""
    keys = [int(key) for key in keys]
    where = ["m.face_set_id = %s", "m.model = %s", "(m.id = ANY(%s) OR m.id > %s)"]
    params: list = [vector_literal(vector), keys, face_set.pk, model, keys, int(above)]
    join = _with_filter(where, params, filter_sql)
    params.append(limit)
    query = (
        "SELECT m.id, m.face_id, m.vector <=> %s::vector AS distance, count(*) FILTER (WHERE m.id = ANY(%s)) OVER () "
        f"FROM {MEMBER_TABLE} m {join}WHERE {' AND '.join(where)} ORDER BY distance LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    held = int(rows[0][3]) if rows else 0
    matches = [
        Match(face_pk=face_pk, member_pk=member_pk, cosine=1.0 - distance) for member_pk, face_pk, distance, _ in rows
    ]
    return matches, held


def _graph_refresh_schedule(face_set) -> None:
    from .services.search_index import face_set_graph_schedule

    face_set_graph_schedule(face_set_pk=face_set.pk)


def _filtered_rows(face_set, model: str, filter_sql: tuple[str, list], cap: int) -> int:
    """How many of the set's rows pass the filter, counted up to ``cap + 1`` (the set's field index finds them; the
    planner's own estimate cannot be used: it has no statistics for a partial expression index and guesses 0.5 %)."""
    where = ["m.face_set_id = %s", "m.model = %s"]
    params: list = [face_set.pk, model]
    join = _with_filter(where, params, filter_sql)
    with transaction.atomic(), connection.cursor() as cursor:
        # An index scan stops at the cap; a bitmap scan (the planner's choice on its 0.5 % guess) reads every
        # matching index entry first: 12 ms for a 10 % filter at 1M faces, whatever the cap.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {MEMBER_TABLE} m {join}WHERE {' AND '.join(where)} LIMIT %s) passing",
            [*params, cap + 1],
        )
        return int(cursor.fetchone()[0])


def _face_set_query(
    face_set, vector, model, limit, filter_sql, *, indexed: bool, ef_search: int | None = None
) -> list[Match]:
    query_vector = vector_literal(vector)
    dimensions = len(vector)
    # The indexed form must repeat the index's expression and predicate literally for the planner to use it.
    distance = (
        f"(m.vector::vector({dimensions}) <=> %s::vector({dimensions}))" if indexed else "(m.vector <=> %s::vector)"
    )
    where = ["m.face_set_id = %s", "m.model = %s"]
    params: list = [query_vector, face_set.pk, model]
    join = _with_filter(where, params, filter_sql)
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
            cursor.execute(
                "SET LOCAL hnsw.ef_search = %s", [ef_search or max(ef_search_for(face_set.face_count), limit)]
            )
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
    group_pks: Sequence[int] | None = None,
    min_cosine: float | None = None,
) -> list[Match]:
    """Exact search over the embeddings of a list of faces, a person's faces or the faces of the persons of a group
    (or of any of several groups)."""
    where = ["e.model = %s", "f.project_id = %s"]
    params: list = [vector_literal(vector), model, project_pk]
    if face_pks is not None:
        where.append("f.id = ANY(%s)")
        params.append(list(face_pks))
    if person_pk is not None:
        where.append("f.person_id = %s")
        params.append(person_pk)
    if group_pk is not None:
        group_pks = [group_pk, *(group_pks or [])]
    if group_pks is not None:
        where.append(f"f.person_id IN (SELECT person_id FROM {GROUP_PERSONS_TABLE} WHERE group_id = ANY(%s))")
        params.append(list(group_pks))
    params.append(limit)
    query = (
        "SELECT f.id, f.person_id, e.vector <=> %s::vector AS distance "
        f"FROM {EMBEDDING_TABLE} e JOIN {FACE_TABLE} f ON f.id = e.face_id "
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
        f"FROM {EMBEDDING_TABLE} e JOIN {FACE_TABLE} f ON f.id = e.face_id "
        f"WHERE e.model = %s AND f.person_id IN (SELECT person_id FROM {GROUP_PERSONS_TABLE} WHERE group_id = %s) "
        "ORDER BY f.person_id, distance"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT person_id, id, distance FROM ({query}) best ORDER BY distance LIMIT %s",
            [vector_literal(vector), model, group_pk, limit],
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
        # The graph is built in memory: one that outgrows maintenance_work_mem is finished on disk, many times slower
        # (pgvector's notice "hnsw graph no longer fits into maintenance_work_mem"), so the session gets enough.
        memory = settings.FACELIB_HNSW_BUILD_MEMORY or f"{build_memory_mb(face_set.face_count, dimensions)}MB"
        cursor.execute("SELECT pg_size_bytes(%s) > pg_size_bytes(current_setting('maintenance_work_mem'))", [memory])
        memory = memory if cursor.fetchone()[0] else ""
        if memory:
            cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [memory])
        try:
            cursor.execute(statement.as_string(connection.connection))
        finally:
            if memory:
                cursor.execute("RESET maintenance_work_mem")
    logger.info("built vector index %s for face set %s", name, face_set.face_set_id)
    face_set_field_indexes_build(face_set=face_set)
    return name


def face_set_field_indexes_build(*, face_set) -> list[str]:
    """Build a partial b-tree index on each typed custom field of the set (concurrently); returns their names.

    Built with the set's HNSW index: a small set is scanned exactly anyway, a large one needs a selective filter
    found by index, or the search either walks the graph past the rows it wants or scans the whole set."""
    names = []
    for field, field_type in sorted(normalize_schema(face_set.field_schema).items()):
        name = field_index_name(face_set.pk, field)
        statement = sql.SQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} (({expression})) WHERE face_set_id = {face_set}"
        ).format(
            name=sql.Identifier(name),
            table=sql.Identifier(MEMBER_TABLE),
            expression=sql.SQL(field_expression_sql(field_type, name="{field}")).format(field=sql.Literal(field)),
            face_set=sql.Literal(int(face_set.pk)),
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.as_string(connection.connection))
        names.append(name)
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {MEMBER_TABLE}")  # statistics of the new expressions, for the planner's choice
    return names


def drop_face_set_index(face_set) -> None:
    """Drop a face set's partial indexes (vector and fields), if it has them (inside the caller's transaction), and
    its graph files once that transaction commits."""
    folder, prefix = graph_folder(), graph_prefix(face_set.pk)
    transaction.on_commit(lambda: graphs.remove(folder, prefix))
    if not face_set.vector_index:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s AND starts_with(indexname, %s)",
            [MEMBER_TABLE, field_index_prefix(face_set.pk)],
        )
        names = [face_set.vector_index] + [row[0] for row in cursor.fetchall()]
        for name in names:
            statement = sql.SQL("DROP INDEX IF EXISTS {name}").format(name=sql.Identifier(name))
            cursor.execute(statement.as_string(connection.connection))
