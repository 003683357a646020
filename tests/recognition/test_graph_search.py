"""A large face set's in-process graph file: the search through it agrees with the exact answer, follows rows added
and removed after the file was written, never waits for it (a missing or unreadable file falls back to PostgreSQL),
and a refresh misses no row a transaction was still writing while it read the set."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import F

import facesets.search as search
from facesets.filters import compile_filter_sql, parse_filter
from facesets.models import Face, FaceSet, FaceSetMember
from facesets.search import face_set_graph, face_set_search, graph_folder, graph_stem
from facesets.services import library, projects
from facesets.services.lifecycle import Release
from facesets.services.search_index import face_set_graph_refresh, face_set_index_ensure
from recognition import graph as graphs
from tests.recognition.test_search import MODEL, _populate, _queries, _unit

SCHEMA = {"bucket": "integer", "identity": "integer"}


@pytest.fixture
def big_set(settings, monkeypatch):
    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_GRAPH = True
    # Built on one thread, a graph is the same at every run (on several, the order of insertion varies and so do the
    # graph's edges): the assertions below on the graph's answers then hold or fail every time, not now and then.
    build = graphs.build
    monkeypatch.setattr(graphs, "build", lambda *args, **kwargs: build(*args, **{**kwargs, "threads": 1}))
    graphs.forget()
    project = projects.project_get_or_create(name="graph")
    face_set = library.face_set_create(project=project, name="big", field_schema=SCHEMA)
    centres, faces, labels, rng = _populate(project, face_set, identities=300, samples=5)
    yield project, face_set, centres, faces, rng
    graphs.forget()


def _add(project, face_set, vector, *, count: bool = True) -> FaceSetMember:
    face = Face.objects.create(project=project, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0)
    member = FaceSetMember.objects.create(
        face_set=face_set, face=face, model=MODEL, vector=list(vector), external_fields={"bucket": 0}
    )
    if count:
        FaceSet.objects.filter(pk=face_set.pk).update(face_count=F("face_count") + 1)
        face_set.refresh_from_db()
    return member


def _spy(monkeypatch) -> list[int]:
    """Records the candidate count of every search that went through a graph."""
    calls: list[int] = []
    original = graphs.Graph.search

    def recording(self, vector, count, ef_search):
        calls.append(count)
        return original(self, vector, count, ef_search)

    monkeypatch.setattr(graphs.Graph, "search", recording)
    return calls


@pytest.mark.django_db(transaction=True)
def test_graph_search_agrees_with_exact_and_follows_rows_added_and_removed_since(big_set, monkeypatch):
    project, face_set, centres, faces, rng = big_set
    assert face_set_graph(face_set, MODEL) is None
    written = face_set_graph_refresh(face_set_pk=face_set.pk)
    assert written["state"] == "built" and written["rows"] == 1500
    graph = face_set_graph(face_set, MODEL)
    assert graph is not None and graph.size == 1500
    # In this database's own folder: another database's sets have the same primary keys.
    assert graph.path.parent == graph_folder() and graph_folder().name.startswith(connection.settings_dict["NAME"])
    calls = _spy(monkeypatch)
    _, queries = _queries(centres, rng, 30)
    recalls = []
    for query in queries:
        found = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10)
        exact = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10, exact=True)
        assert found[0].face_pk == exact[0].face_pk
        assert [m.cosine for m in found] == sorted((m.cosine for m in found), reverse=True)
        recalls.append(len({m.face_pk for m in found} & {m.face_pk for m in exact}) / 10)
    assert len(calls) == 30 and np.mean(recalls) >= 0.95

    # A face added after the file was written (above its watermark) is found at once, exactly scored.
    near = _unit(queries[0] + 0.01 * rng.normal(size=queries[0].shape))
    added = _add(project, face_set, near)
    top = face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10)[0]
    assert top.member_pk == added.pk and top.cosine == pytest.approx(float(near @ queries[0]), abs=1e-5)
    # One removed after it never comes back, though the graph still proposes it.
    FaceSetMember.objects.filter(pk=added.pk).delete()
    victim = face_set_search(face_set=face_set, vector=queries[1], model=MODEL, limit=10)[0]
    FaceSetMember.objects.filter(pk=victim.member_pk).delete()
    again = face_set_search(face_set=face_set, vector=queries[1], model=MODEL, limit=10)
    assert victim.member_pk not in {m.member_pk for m in again} and len(again) == 10

    # The refresh patches the file: the removed rows leave it, the new watermark covers the rows added.
    extra = _add(project, face_set, _unit(rng.normal(size=128)))
    patched = face_set_graph_refresh(face_set_pk=face_set.pk)
    assert patched["state"] == "patched" and patched["watermark"] == extra.pk
    graph = face_set_graph(face_set, MODEL)
    assert graph.watermark == extra.pk and graph.size == 1500  # 1500 - victim + extra
    assert graph.index.contains(extra.pk)  # the victim stays a tombstone: searches rank only rows that exist
    again = face_set_search(face_set=face_set, vector=queries[1], model=MODEL, limit=10)
    assert victim.member_pk not in {m.member_pk for m in again} and len(again) == 10
    assert len(graphs.graph_files(graph.path.parent, graph_stem(face_set.pk, MODEL))) == 1
    assert graph.path.stat().st_mode & 0o077 == 0  # face vectors: FaceLib's own user only
    # The newest row removed: the set's highest id falls below the watermark; the file is patched, not rebuilt.
    FaceSetMember.objects.filter(pk=extra.pk).delete()
    again = face_set_graph_refresh(face_set_pk=face_set.pk)
    assert again["state"] == "patched" and again["watermark"] == extra.pk and again["rows"] == 1499


@pytest.mark.django_db(transaction=True)
def test_filtered_search_through_the_graph_is_complete_and_close_to_the_exact_filtered_answer(big_set, monkeypatch):
    project, face_set, centres, faces, rng = big_set
    face_set_index_ensure(face_set_pk=face_set.pk)  # the graph first, then the HNSW and field indexes
    face_set.refresh_from_db()
    assert face_set.vector_index and face_set_graph(face_set, MODEL) is not None
    monkeypatch.setattr(search, "FILTERED_EXACT_ROWS", 100)
    monkeypatch.setattr(search, "FILTERED_NARROW_ROWS", 40)
    calls = _spy(monkeypatch)
    _, queries = _queries(centres, rng, 10)
    position = {face.pk: n for n, face in enumerate(faces)}
    firsts, overlaps = [], []
    for text, rows in (
        ("bucket:[0 TO 749]", 750),
        ("bucket:[0 TO 299]", 300),
        ("bucket:[0 TO 49]", 50),
        ("bucket:[0 TO 19]", 20),
    ):  # 50 %, 20 %, 3 % and 1.3 % of the set
        condition = compile_filter_sql(parse_filter(text, SCHEMA))
        for query in queries:
            calls.clear()
            found = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10, filter_sql=condition)
            exact = face_set_search(
                face_set=face_set, vector=query, model=MODEL, limit=10, filter_sql=condition, exact=True
            )
            if rows <= 40:  # counted as narrow at once: ranked exactly through the field index, the graph not asked
                assert calls == [] and [m.face_pk for m in found] == [m.face_pk for m in exact]
                continue
            # First the candidates the walk visits anyway (ef 200 at this size); a wide filter leaves enough of them.
            assert calls[0] == 200
            if rows < 100:  # too few of them pass; the full count sends it to the exact ranking
                assert len(calls) == 1 and [m.face_pk for m in found] == [m.face_pk for m in exact]
            # Complete, only rows that pass, ranked by exact cosine; as close to the exact answer as the graph is.
            assert len(found) == 10 and all(position[m.face_pk] < rows for m in found)
            assert [m.cosine for m in found] == sorted((m.cosine for m in found), reverse=True)
            firsts.append(found[0].face_pk == exact[0].face_pk)
            overlaps.append(len({m.face_pk for m in found} & {m.face_pk for m in exact}) / 10)
    assert np.mean(firsts) >= 0.95 and np.mean(overlaps) >= 0.95


@pytest.mark.django_db(transaction=True)
def test_a_missing_or_unreadable_graph_falls_back_to_postgresql_and_a_refresh_replaces_it(big_set, monkeypatch):
    project, face_set, centres, faces, rng = big_set
    scheduled = []
    monkeypatch.setattr(search, "_graph_refresh_schedule", lambda face_set: scheduled.append(face_set.pk))
    _, queries = _queries(centres, rng, 3)
    exact = [
        m.face_pk for m in face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10, exact=True)
    ]
    # No file: the exact scan answers, and a refresh is asked for.
    assert [m.face_pk for m in face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10)] == exact
    assert scheduled == [face_set.pk]
    # A damaged file (cut short) is not used, and the next refresh builds the graph anew over it.
    folder = graph_folder()
    folder.mkdir(parents=True, exist_ok=True)
    damaged = folder / f"{graph_stem(face_set.pk, MODEL)}-w5.usearch"
    damaged.write_bytes(b"usearch" + b"\0" * 64)
    graphs.forget()
    assert face_set_graph(face_set, MODEL) is None
    assert [m.face_pk for m in face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10)] == exact
    assert face_set_graph_refresh(face_set_pk=face_set.pk)["state"] == "built"
    assert not damaged.exists() and face_set_graph(face_set, MODEL).size == 1500
    # After a restart (a new process: nothing open) the file is mapped again, not rebuilt.
    graphs.forget()
    graph = face_set_graph(face_set, MODEL)
    assert graph.size == 1500
    # Bytes changed in place (its size unchanged): the checksum no longer matches, the file is not mapped.
    path = graph.path
    graphs.forget()
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    path.write_bytes(bytes(data))
    assert face_set_graph(face_set, MODEL) is None
    assert [m.face_pk for m in face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10)] == exact
    # Deleting the set deletes its files.
    stem = graph_stem(face_set.pk, MODEL)
    face_set_graph_refresh(face_set_pk=face_set.pk)
    assert graphs.graph_files(folder, stem)
    library.face_set_delete(face_set=face_set, release=Release.DELETE)
    assert graphs.graph_files(folder, stem) == []


@pytest.mark.django_db(transaction=True)
def test_a_refresh_waits_for_a_transaction_still_writing_below_its_watermark(big_set):
    project, face_set, centres, faces, rng = big_set
    face_set_graph_refresh(face_set_pk=face_set.pk)
    inserted, go = threading.Event(), threading.Event()
    late: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late.append(_add(project, face_set, _unit(rng.normal(size=128)), count=False).pk)
                inserted.set()
                go.wait(10)
        finally:
            connections.close_all()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert inserted.wait(10)
    later = _add(project, face_set, _unit(rng.normal(size=128)))  # committed, with a higher id than the late row
    assert later.pk > late[0]
    threading.Timer(0.5, go.set).start()
    result = face_set_graph_refresh(face_set_pk=face_set.pk)
    writer.join(10)
    assert result["state"] == "patched" and result["watermark"] == later.pk and result["late"] == 1
    graph = face_set_graph(face_set, MODEL)
    assert graph.index.contains(late[0]) and graph.index.contains(later.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM facesets_facesetmember WHERE face_set_id = %s", [face_set.pk])
        assert graph.size == cursor.fetchone()[0] == 1502


@pytest.fixture
def small_sets_get_graphs(monkeypatch, settings):
    """Sets of 1,000 faces or more get their indexes and graph, here and in the worker the test starts."""
    monkeypatch.setenv("FACELIB_HNSW_MIN_FACES", "1000")
    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_GRAPH = True
    graphs.forget()


def _wait(predicate, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("the worker did not get there in time")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_gives_a_grown_set_its_graph_and_refreshes_it_as_the_set_grows(small_sets_get_graphs, worker):
    project = projects.project_get_or_create(name="graph-worker")
    face_set = library.face_set_create(project=project, name="growing", field_schema=SCHEMA)
    centres, faces, labels, rng = _populate(project, face_set, identities=300, samples=5)
    cache.delete(f"graph-refresh:{face_set.pk}")
    with transaction.atomic():  # the set grows past the threshold as enrolment grows it: the build is queued
        last = _add(project, face_set, _unit(rng.normal(size=128)), count=False)
        library.face_set_count_adjust(face_set_pk=face_set.pk, delta=1)
    face_set.refresh_from_db()

    def graph_written():
        face_set.refresh_from_db()
        return face_set_graph(face_set, MODEL) if face_set.vector_index else None

    graph = _wait(graph_written)
    assert graph.watermark == last.pk and graph.size == 1501
    _, queries = _queries(centres, rng, 10)
    firsts = []
    for query in queries:  # through the worker's graph (approximate): the same first face almost always
        found = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10)
        exact = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10, exact=True)
        firsts.append(found[0].face_pk == exact[0].face_pk)
    assert sum(firsts) >= 9

    # 1,000 more faces: the graph is behind; the enrolment that notices queues a refresh, the worker patches the file.
    more = _unit(rng.normal(size=(1000, 128)))
    new_faces = Face.objects.bulk_create(
        Face(project=project, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0) for _ in more
    )
    FaceSetMember.objects.bulk_create(
        FaceSetMember(face_set=face_set, face=face, model=MODEL, vector=v.tolist(), external_fields={"bucket": 0})
        for face, v in zip(new_faces, more, strict=True)
    )
    with transaction.atomic():
        library.face_set_count_adjust(face_set_pk=face_set.pk, delta=1000)
    face_set.refresh_from_db()
    newest = FaceSetMember.objects.filter(face_set=face_set).order_by("-pk").first().pk
    graph = _wait(lambda: (g := face_set_graph(face_set, MODEL)) is not None and g.watermark == newest and g)
    assert graph.size == 2501


@pytest.mark.django_db(transaction=True)
def test_erasing_a_person_rebuilds_the_graph_without_their_vectors(small_sets_get_graphs, worker):
    """A patched graph keeps removed rows' vectors as tombstones; an erasure has the worker rebuild it from
    PostgreSQL, and the rebuilt file (the only one left) holds no key of the erased faces."""
    project = projects.project_get_or_create(name="graph-erasure")
    face_set = library.face_set_create(project=project, name="erasure", field_schema=SCHEMA)
    _populate(project, face_set, identities=300, samples=5)
    assert face_set_graph_refresh(face_set_pk=face_set.pk)["state"] == "built"
    erased_faces = list(Face.objects.filter(memberships__face_set=face_set).order_by("pk")[:3])
    erased_members = list(FaceSetMember.objects.filter(face__in=erased_faces).values_list("pk", flat=True))
    person = library.person_create(project=project, name="to erase", faces=erased_faces)
    erasure = library.person_erase(person=person)
    assert (erasure.faces, erasure.face_set_entries, erasure.face_sets, erasure.graphs) == (3, 3, 1, 1)

    def rebuilt():
        graphs.forget()  # read the file as it is now, not a mapping this process kept
        graph = face_set_graph(face_set, MODEL)
        return graph is not None and len(graph.index) == 1497 and graph

    graph = _wait(rebuilt)
    assert not any(graph.index.contains(pk) for pk in erased_members)
    assert len(graphs.graph_files(graph.path.parent, graph_stem(face_set.pk, MODEL))) == 1
    hits = face_set_search(face_set=face_set, vector=np.ones(128) / np.sqrt(128), model=MODEL, limit=10)
    assert len(hits) == 10 and not {hit.member_pk for hit in hits} & set(erased_members)
