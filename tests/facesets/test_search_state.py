"""The face set page's Search card: what answers the set's searches, read from what has really been built for it
(the graph files, the HNSW and field indexes), following the set as it grows and changes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from facesets import selectors
from facesets.search import graph_folder, graph_stem
from facesets.services import library
from facesets.services.search_index import face_set_graph_refresh, face_set_index_ensure
from recognition import graph as graphs
from tests.recognition import test_graph_search, test_search
from tests.recognition.test_graph_search import _add
from tests.recognition.test_search import MODEL, _populate, _unit
from tests.support.dashboard import make_team

SCHEMA = {"bucket": "integer", "identity": "integer"}


@pytest.fixture
def team():
    graphs.forget()
    yield make_team()
    graphs.forget()


def state_of(face_set):
    return selectors.face_set_search_state(face_set=face_set)


def _card(client, face_set) -> str:
    html = client.get(f"/face-sets/{face_set.face_set_id}/").content.decode()
    match = re.search(r'<div class="card" data-search-state=.*?</table>', html, re.S)
    assert match, "the face set page has no Search card"
    return match.group(0)


@pytest.mark.django_db
def test_a_small_set_is_scanned_exactly_then_in_memory_as_it_grows(client, team, settings):
    settings.FACELIB_MEMORY_SCAN_MIN_FACES = 20
    settings.FACELIB_HNSW_MIN_FACES = 1000
    client.force_login(team.viewer)  # reading it is a viewer's right
    face_set = library.face_set_create(project=team.project, name="small", field_schema=SCHEMA)
    _populate(team.project, face_set, identities=3, samples=5)
    face_set.refresh_from_db()

    state = state_of(face_set)
    assert (state.path, state.faces, state.large, state.graphs) == ("exact", 15, False, [])
    card = _card(client, face_set)
    assert 'data-search-state="exact"' in card and "PostgreSQL scans the set" in card
    assert "data-hnsw" not in card  # a small set has no graph or index to speak of

    _populate(team.project, face_set, identities=5, samples=5, seed=8)  # sets the count to its own 25 rows
    face_set.refresh_from_db()
    assert state_of(face_set).path == "memory"
    assert "holds in memory" in _card(client, face_set)


@pytest.mark.django_db(transaction=True)
def test_a_large_set_shows_its_graph_the_rows_added_since_and_its_indexes(client, team, settings, monkeypatch):
    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_MEMORY_SCAN_MIN_FACES = 500
    settings.FACELIB_GRAPH = True
    settings.FACELIB_GRAPH_REFRESH_ROWS = 3
    build = graphs.build
    monkeypatch.setattr(graphs, "build", lambda *args, **kwargs: build(*args, **{**kwargs, "threads": 1}))
    # A model whose name a file name cannot hold as it is (as "sface-2021dec"): the card still names it and counts
    # its rows.
    monkeypatch.setattr(test_search, "MODEL", "synthetic-2021dec")
    monkeypatch.setattr(test_graph_search, "MODEL", "synthetic-2021dec")
    client.force_login(team.admin)
    face_set = library.face_set_create(project=team.project, name="big", field_schema=SCHEMA)
    _populate(team.project, face_set, identities=240, samples=5)
    face_set.refresh_from_db()

    # Large, nothing built yet: no graph file, no index; the memory scan answers meanwhile.
    state = state_of(face_set)
    assert (state.path, state.large, state.graphs, state.hnsw_index, state.field_indexes) == (
        "memory",
        True,
        [],
        "",
        0,
    )
    card = _card(client, face_set)
    assert "not written yet" in card and "being built" in card and 'data-field-indexes="0"' in card

    face_set_index_ensure(face_set_pk=face_set.pk)  # what the worker does: graph, field indexes, then HNSW
    face_set.refresh_from_db()
    state = state_of(face_set)
    assert state.path == "graph"
    assert [(graph.model, graph.faces, graph.added_since, graph.refresh_due) for graph in state.graphs] == [
        ("synthetic-2021dec", 1200, 0, False)
    ]
    assert state.hnsw_index and state.field_indexes == len(SCHEMA)
    card = _card(client, face_set)
    assert 'data-search-state="graph"' in card and "1,200 faces, written" in card
    assert 'data-added-since="0"' in card and "refresh due" not in card
    assert f"<code>{state.hnsw_index}</code>" in card and 'data-field-indexes="2"' in card

    # Rows added after the file was written are counted (they are searched exactly until the next refresh) and,
    # past FACELIB_GRAPH_REFRESH_ROWS of drift (and 1 % of the graph: 12 rows here), a refresh is due.
    rng = np.random.default_rng(3)
    for _ in range(11):
        _add(team.project, face_set, _unit(rng.normal(size=128)))
    assert [(graph.added_since, graph.refresh_due) for graph in state_of(face_set).graphs] == [(11, False)]
    _add(team.project, face_set, _unit(rng.normal(size=128)))
    assert [(graph.added_since, graph.refresh_due) for graph in state_of(face_set).graphs] == [(12, True)]
    card = _card(client, face_set)
    assert 'data-added-since="12"' in card and "refresh due" in card

    face_set_graph_refresh(face_set_pk=face_set.pk)
    face_set.refresh_from_db()
    state = state_of(face_set)
    assert [(graph.faces, graph.added_since, graph.refresh_due) for graph in state.graphs] == [(1212, 0, False)]


@pytest.mark.django_db(transaction=True)
def test_an_unreadable_graph_file_is_shown_as_such_and_the_path_falls_back(client, team, settings):
    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_MEMORY_SCAN_MIN_FACES = 500
    settings.FACELIB_GRAPH = True
    client.force_login(team.viewer)
    face_set = library.face_set_create(project=team.project, name="big", field_schema=SCHEMA)
    _populate(team.project, face_set, identities=220, samples=5)
    face_set.refresh_from_db()
    face_set_graph_refresh(face_set_pk=face_set.pk)
    graphs.forget()  # another process's view: it opens the file afresh
    [(_, path)] = graphs.graph_files(graph_folder(), graph_stem(face_set.pk, MODEL))
    path.write_bytes(b"not a graph" * 100)

    state = state_of(face_set)
    assert [graph.faces for graph in state.graphs] == [None]
    assert state.path == "memory"  # as facesets.search answers without the graph (and no HNSW index yet)
    card = _card(client, face_set)
    assert "unreadable" in card and 'data-search-state="memory"' in card
