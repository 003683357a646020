"""When a face set outgrows an exact scan, it gets its own HNSW index in PostgreSQL and an in-process graph in a file
(see facesets.search for the strategy); this module builds both and keeps the graph in step with the database."""

from __future__ import annotations

import logging
import time
import zlib

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from recognition import graph as graphs
from recognition.engine import configured_model_name

from ..models import FaceSet
from ..search import (
    MEMBER_TABLE,
    face_set_field_indexes_build,
    face_set_graph,
    face_set_index_build,
    graph_behind,
    graph_folder,
    graph_prefix,
    graph_stem,
)

logger = logging.getLogger(__name__)

GRAPH_SCHEDULE_SECONDS = 300  # one queued refresh per set at most this often
GRAPH_WAIT_SECONDS = 120  # how long a refresh waits for transactions that were writing when it read the set
GRAPH_REBUILD_SHARE = 0.2  # a graph with more removed rows than this share of its size is rebuilt, not patched


def face_set_index_wanted(face_set: FaceSet) -> bool:
    return not face_set.vector_index and face_set.face_count >= settings.FACELIB_HNSW_MIN_FACES


def face_set_index_schedule(*, face_set_pk: int) -> None:
    """Queue the index build once the transaction that grew the set commits."""
    from ..tasks import build_face_set_index

    transaction.on_commit(lambda: build_face_set_index.delay(face_set_pk))


def _dominant_model(face_set_pk: int) -> tuple[str, int] | None:
    """The model (and its vectors' dimensions) most of the set's rows were made by."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT model, vector_dims(vector) FROM {MEMBER_TABLE} WHERE face_set_id = %s "
            "GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
            [face_set_pk],
        )
        return cursor.fetchone()


def face_set_index_ensure(*, face_set_pk: int) -> str:
    """Give a set big enough for them its graph file and field indexes (first: they take minutes where the HNSW index
    takes most of an hour at 1M faces), then its partial HNSW index; returns the index name ("" if none)."""
    face_set = FaceSet.objects.get(pk=face_set_pk)
    if face_set.face_count < settings.FACELIB_HNSW_MIN_FACES:
        return face_set.vector_index
    if face_set.vector_index:
        if settings.FACELIB_GRAPH:
            face_set_graph_refresh(face_set_pk=face_set.pk)
        return face_set.vector_index
    if settings.FACELIB_GRAPH:
        face_set_graph_refresh(face_set_pk=face_set.pk)
        face_set_field_indexes_build(face_set=face_set)  # filtered searches need them long before the HNSW is done
    row = _dominant_model(face_set.pk)
    if row is None:
        return ""
    model, dimensions = row
    name = face_set_index_build(face_set=face_set, model=model, dimensions=dimensions)
    FaceSet.objects.filter(pk=face_set.pk).update(vector_index=name)
    return name


def face_set_graph_schedule(*, face_set_pk: int) -> None:
    """Queue a refresh of the set's graph (at most one per GRAPH_SCHEDULE_SECONDS: searches ask on every query)."""
    from ..tasks import refresh_face_set_graph

    try:
        due = cache.add(f"graph-refresh:{face_set_pk}", 1, timeout=GRAPH_SCHEDULE_SECONDS)
    except Exception:  # the cache unreachable: a search or an enrolment must not fail for a refresh (asked again later)
        logger.warning("graph refresh of face set %s not queued: the cache is unreachable", face_set_pk)
        return
    if due:
        transaction.on_commit(lambda: refresh_face_set_graph.delay(face_set_pk), robust=True)


def face_set_graph_erase(*, face_set_pks: list[int]) -> int:
    """After faces were erased: rebuild from PostgreSQL every graph file of these sets (a patched file keeps removed
    rows' vectors as tombstones; the rebuilt one replaces it and the old file is deleted), and vacuum the tables the
    rows left, so their vectors leave PostgreSQL's indexes too. Queued once the transaction commits; returns how many
    of the sets have a graph."""
    from ..tasks import refresh_face_set_graph, vacuum_erased

    folder = graph_folder()
    with_graph = [pk for pk in face_set_pks if any(folder.glob(f"{graph_prefix(pk)}*"))]
    for face_set_pk in with_graph:
        transaction.on_commit(lambda pk=face_set_pk: refresh_face_set_graph.delay(pk, rebuild=True), robust=True)
    transaction.on_commit(lambda: vacuum_erased.delay(), robust=True)
    return len(with_graph)


def face_set_graph_follow(*, face_set: FaceSet) -> None:
    """Queue a refresh of the set's graph if it is missing or has fallen behind (facesets.search.graph_behind)."""
    if not settings.FACELIB_GRAPH:
        return
    graph = face_set_graph(face_set, configured_model_name())  # what enrolment writes with
    if graph is None or graph_behind(face_set, graph):
        face_set_graph_schedule(face_set_pk=face_set.pk)


def _members(face_set_pk: int, model: str, where: str = "", params: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
    """(ids, vectors) of the set's rows of one model, in id order (binary transfer: a million rows in seconds)."""
    import psycopg
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo

    connection.ensure_connection()
    raw = connection.connection
    ids, vectors = [], []
    with psycopg.Cursor(raw) as cursor:  # Django's own cursors bind on the client side, which is text only
        register_vector_info(cursor, TypeInfo.fetch(raw, "vector"))  # this cursor's loaders, not the connection's
        cursor.execute(
            f"SELECT id, vector FROM {MEMBER_TABLE} WHERE face_set_id = %s AND model = %s {where} ORDER BY id",
            [face_set_pk, model, *params],
            binary=True,
        )
        for row_id, vector in cursor:
            ids.append(row_id)
            vectors.append(vector.to_numpy())
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
    return np.asarray(ids, dtype=np.int64), np.stack(vectors).astype(np.float32)


def _wait_for(xids: list[str], seconds: float) -> bool:
    """Wait until none of these transactions is still running; False if one still is after ``seconds``."""
    deadline = time.monotonic() + seconds
    while xids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT array_agg(x::text) FROM unnest(%s::xid8[]) x WHERE pg_xact_status(x) = 'in progress'", [xids]
            )
            xids = cursor.fetchone()[0] or []
        if xids and time.monotonic() > deadline:
            return False
        if xids:
            time.sleep(0.05)
    return True


def face_set_graph_refresh(*, face_set_pk: int, rebuild: bool = False) -> dict:
    """Write the set's graph file anew: the previous file patched with the rows added and removed since (or built from
    scratch when there is none or it is far off), up to a watermark.

    The watermark is the highest member id the refresh read. A row with a lower id that a still-running transaction
    was writing is invisible to that read; ids come from one sequence, so every row with an id up to the watermark
    was written by a transaction that had started by then: the refresh waits for those to end, reads the ids up to the
    watermark again and adds what it missed. Searches take every row above the watermark from PostgreSQL. `rebuild`
    builds it from scratch (after an erasure: no tombstone keeps a removed vector)."""
    face_set = FaceSet.objects.filter(pk=face_set_pk).first()
    folder = graph_folder()
    if face_set is None:
        graphs.remove(folder, graph_prefix(face_set_pk))
        return {"state": "gone"}
    if not settings.FACELIB_GRAPH or face_set.face_count < settings.FACELIB_HNSW_MIN_FACES:
        if rebuild:  # an erasure: a file of a set that no longer wants one must not keep the removed vectors either
            graphs.remove(folder, graph_prefix(face_set_pk))
            return {"state": "removed"}
        return {"state": "not wanted"}
    row = _dominant_model(face_set.pk)
    if row is None:
        return {"state": "empty"}
    model, _ = row
    stem = graph_stem(face_set.pk, model)
    lock = zlib.crc32(f"facelib-graph:{stem}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock])
        if not cursor.fetchone()[0]:
            return {"state": "busy"}
    try:
        return _graph_write(face_set, model, stem, folder, rebuild=rebuild)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [lock])


def _ids_up_to(face_set_pk: int, model: str, watermark: int) -> np.ndarray:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT array_agg(id ORDER BY id) FROM {MEMBER_TABLE} WHERE face_set_id = %s AND model = %s AND id <= %s",
            [face_set_pk, model, watermark],
        )
        return np.asarray(cursor.fetchone()[0] or [], dtype=np.int64)


def _graph_write(face_set: FaceSet, model: str, stem: str, folder, *, rebuild: bool = False) -> dict:
    started = time.monotonic()
    previous = graphs.graph_files(folder, stem)
    index = graphs.load_copy(previous[0][1]) if previous and not rebuild else None
    if previous and index is None and not rebuild:
        logger.warning("graph file %s is damaged; building the graph anew", previous[0][1].name)
    low = previous[0][0] if index is not None else 0
    with transaction.atomic():  # one snapshot: the rows read and the transactions that were still writing
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_snapshot_xip(pg_current_snapshot())::text")
            running = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {MEMBER_TABLE} WHERE face_set_id = %s", [face_set.pk])
            watermark = int(cursor.fetchone()[0])
        present = _ids_up_to(face_set.pk, model, watermark)
        removed = np.empty(0, dtype=np.int64)
        if index is not None:
            removed = np.setdiff1d(np.asarray(index.keys, dtype=np.int64), present, assume_unique=True)
            if len(removed) > GRAPH_REBUILD_SHARE * max(1, len(index)):
                index, low = None, 0
        # The newest rows removed since the file was written leave the set's highest id below the file's watermark:
        # the file still holds everything up to its own.
        watermark = max(watermark, low)
        ids, vectors = _members(face_set.pk, model, "AND id > %s AND id <= %s", (low, watermark))
    if index is None:
        mode = "built"
        if not len(ids):
            return {"state": "empty"}
        index = graphs.build(
            ids,
            vectors,
            m=settings.FACELIB_HNSW_M,
            ef_construction=settings.FACELIB_HNSW_EF_CONSTRUCTION,
            dtype=settings.FACELIB_GRAPH_DTYPE,
        )
    else:
        # Removed rows stay in the graph as tombstones: usearch's removal took minutes for 900 keys of 1M, and a
        # search ranks only rows that still exist anyway; past GRAPH_REBUILD_SHARE of them the graph is rebuilt.
        mode = "patched"
        if len(ids):
            index.add(ids.astype(np.uint64), vectors)
    # Rows up to the watermark that transactions running at the read were writing: wait for them, add what came.
    if not _wait_for(running, GRAPH_WAIT_SECONDS):
        return {"state": "transactions still running, not written"}
    late = np.setdiff1d(_ids_up_to(face_set.pk, model, watermark), present, assume_unique=True)
    if len(late):
        late_ids, late_vectors = _members(face_set.pk, model, "AND id = ANY(%s)", (late.tolist(),))
        if len(late_ids):
            index.add(late_ids.astype(np.uint64), late_vectors)
    live = len(present) + len(late)  # the rows up to the watermark that exist: every other key is a tombstone
    path = graphs.save(index, folder, stem, watermark, live=live)
    seconds = time.monotonic() - started
    logger.info("graph %s %s: %s rows up to id %s in %.1f s", path.name, mode, live, watermark, seconds)
    return {"state": mode, "rows": live, "watermark": watermark, "late": len(late), "seconds": seconds}
