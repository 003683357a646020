"""What serves a face set's searches now, for the dashboard: the path an unfiltered search takes (facesets.search
chooses it by the set's size and what has been built for it), the set's in-process graph files (their faces, when
they were written, the rows added since and whether a refresh is due), its PostgreSQL HNSW index and its field
indexes. Read-only: looking does not queue a build (a search does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection

from ..models import FaceSet, FaceSetMember
from .rows import table


@dataclass(frozen=True)
class GraphFile:
    """The newest graph file of one model for the set."""

    model: str
    written: datetime
    faces: int | None  # None: the file cannot be read (searches go without it until a refresh replaces it)
    added_since: int  # the set's rows of this model above the file's watermark (searched exactly on every query)
    refresh_due: bool  # the set has changed enough since for a search to queue a refresh


@dataclass(frozen=True)
class SearchState:
    path: str  # what answers an unfiltered search: "exact", "memory", "graph" or "index" (see PATHS)
    faces: int
    memory_min: int  # FACELIB_MEMORY_SCAN_MIN_FACES (0: off)
    memory_max: int
    large_min: int  # FACELIB_HNSW_MIN_FACES: from here a set gets its graph, field indexes and HNSW index
    large: bool
    graph_on: bool  # FACELIB_GRAPH
    graphs: list[GraphFile]
    hnsw_index: str  # the index's name, "" when none has been built (yet)
    field_indexes: int


PATHS = {
    "exact": "PostgreSQL scans the set's rows: every face is scored",
    "memory": "each searching process scans the set's vectors it holds in memory and PostgreSQL ranks the best of "
    "them with the rows added since: every face is scored",
    "graph": "the in-process graph proposes candidates and PostgreSQL ranks them exactly, with the rows added since "
    "the graph was written",
    "index": "PostgreSQL's HNSW index",
}


def _graphs(face_set: FaceSet) -> list[GraphFile]:
    from recognition import graph as graphs

    from ..search import face_set_graph, graph_behind, graph_folder, graph_prefix

    folder = graph_folder()
    prefix = graph_prefix(face_set.pk)
    found = []
    for stem in graphs.graph_stems(folder, prefix):
        files = graphs.graph_files(folder, stem)
        if not files:
            continue
        watermark, path = files[0]
        try:
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:  # replaced meanwhile
            continue
        # The stem holds the model's name made safe for a file name: the rows say which model it was (the graph's
        # newest row, and the rows added since; both read along the (face_set_id, id) index).
        named = stem[len(prefix) :]
        members = table(FaceSetMember)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT model FROM {members} WHERE face_set_id = %s AND id <= %s ORDER BY id DESC LIMIT 1",
                [face_set.pk, watermark],
            )
            row = cursor.fetchone()
            cursor.execute(
                f"SELECT model, count(*) FROM {members} WHERE face_set_id = %s AND id > %s GROUP BY model",
                [face_set.pk, watermark],
            )
            added_by_model = dict(cursor.fetchall())
        models = [
            name for name in (row[0] if row else None, *added_by_model) if name and graphs.safe_stem(name) == named
        ]
        model = models[0] if models else named
        added = sum(count for name, count in added_by_model.items() if graphs.safe_stem(name) == named)
        opened = face_set_graph(face_set, model) if face_set.face_count >= settings.FACELIB_HNSW_MIN_FACES else None
        if opened is not None and opened.path != path:
            opened = None  # a newer file came meanwhile: report the one named above as unread
        found.append(
            GraphFile(
                model=model,
                written=written,
                faces=opened.size if opened is not None else None,
                added_since=int(added),
                refresh_due=opened is not None and graph_behind(face_set, opened),
            )
        )
    return found


def face_set_search_state(*, face_set: FaceSet) -> SearchState:
    from ..search import field_index_prefix

    faces = int(face_set.face_count)
    large_min = int(settings.FACELIB_HNSW_MIN_FACES)
    large = bool(face_set.vector_index) or faces >= large_min
    graph_on = bool(settings.FACELIB_GRAPH)
    found = _graphs(face_set) if graph_on else []
    memory_min, memory_max = int(settings.FACELIB_MEMORY_SCAN_MIN_FACES), int(settings.FACELIB_MEMORY_SCAN_MAX_FACES)
    in_memory = bool(memory_min) and memory_min <= faces <= memory_max
    # In the order facesets.search.face_set_search tries them.
    if large and any(graph.faces is not None for graph in found) and faces >= large_min:
        path = "graph"
    elif face_set.vector_index:
        path = "index"
    elif in_memory:
        path = "memory"
    else:
        path = "exact"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = %s AND starts_with(indexname, %s)",
            [FaceSetMember._meta.db_table, field_index_prefix(face_set.pk)],
        )
        field_indexes = int(cursor.fetchone()[0])
    return SearchState(
        path=path,
        faces=faces,
        memory_min=memory_min,
        memory_max=memory_max,
        large_min=large_min,
        large=large,
        graph_on=graph_on,
        graphs=found,
        hnsw_index=face_set.vector_index,
        field_indexes=field_indexes,
    )
