"""Vector search: exact and HNSW paths agree, filters never lose matches, scopes stay in their project."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from facesets.filters import compile_filter_sql, parse_filter
from facesets.models import Face, FaceSetMember
from facesets.search import face_set_search, faces_search, group_identify
from facesets.services import library, projects
from facesets.services.search_index import face_set_index_ensure
from recognition.models import Embedding

DIMENSIONS = 128
MODEL = "synthetic"


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _populate(project, face_set, identities: int, samples: int, seed: int = 7):
    """Identity centres with noisy samples, like face embeddings: `bucket` = running number, `identity` = who."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(identities, DIMENSIONS)))
    faces, vectors, labels = [], [], []
    for identity in range(identities):
        for _ in range(samples):
            vectors.append(_unit(centres[identity] + rng.normal(scale=0.09, size=DIMENSIONS)))
            labels.append(identity)
            faces.append(
                Face(
                    project=project,
                    box_x=0,
                    box_y=0,
                    box_width=10,
                    box_height=10,
                    detection_score=1.0,
                    external_image_id=f"id{identity}",
                )
            )
    faces = Face.objects.bulk_create(faces)
    FaceSetMember.objects.bulk_create(
        FaceSetMember(
            face_set=face_set,
            face=face,
            model=MODEL,
            vector=vector.tolist(),
            external_fields={"bucket": position, "identity": label},
        )
        for position, (face, vector, label) in enumerate(zip(faces, vectors, labels, strict=True))
    )
    Embedding.objects.bulk_create(
        Embedding(face=face, model=MODEL, vector=vector.tolist()) for face, vector in zip(faces, vectors, strict=True)
    )
    face_set.face_count = len(faces)
    face_set.save()
    return centres, faces, labels, rng


def _queries(centres, rng, count):
    picks = rng.integers(0, len(centres), size=count)
    return picks, _unit(centres[picks] + rng.normal(scale=0.09, size=(count, DIMENSIONS)))


@pytest.fixture
def project():
    return projects.project_get_or_create(name="search")


@pytest.mark.django_db
def test_exact_search_ranks_the_right_identity_first(project):
    face_set = library.face_set_create(
        project=project, name="s", field_schema={"bucket": "integer", "identity": "integer"}
    )
    centres, faces, labels, rng = _populate(project, face_set, identities=100, samples=5)
    label_of = {face.pk: label for face, label in zip(faces, labels, strict=True)}
    picks, queries = _queries(centres, rng, 30)
    for identity, query in zip(picks, queries, strict=True):
        matches = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=5)
        assert len(matches) == 5
        assert label_of[matches[0].face_pk] == identity
        assert [m.cosine for m in matches] == sorted((m.cosine for m in matches), reverse=True)


@pytest.mark.django_db
def test_a_small_set_scanned_in_memory_answers_as_the_exact_scan_while_faces_come_and_go(project, settings):
    """The in-memory scan (facesets.search._memory_search) against PostgreSQL's exact scan on the same queries: the
    same faces in the same order, also after faces were removed (they never come back) and added (found at once)."""
    from facesets import search

    settings.FACELIB_MEMORY_SCAN_MIN_FACES = 50
    face_set = library.face_set_create(project=project, name="s")
    centres, faces, labels, rng = _populate(project, face_set, identities=60, samples=5)
    # enrolled an hour ago: settled, so held in memory (rows younger than a few minutes are always ranked by SQL)
    FaceSetMember.objects.filter(face_set=face_set).update(added=timezone.now() - timedelta(hours=1))
    picks, queries = _queries(centres, rng, 20)

    def agree(limit):
        for query in queries:
            held = search._memory_search(face_set, query.tolist(), MODEL, limit)
            exact = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=limit, exact=True)
            assert held is not None
            assert [m.member_pk for m in held] == [m.member_pk for m in exact]
            assert np.allclose([m.cosine for m in held], [m.cosine for m in exact], atol=1e-6)

    agree(10)
    matrix = search._matrix(face_set, MODEL)
    assert len(matrix) == 300 and matrix.watermark == max(m.pk for m in FaceSetMember.objects.filter(face_set=face_set))
    # the best match of every query removed: it must not come back, the next one takes its place
    best = {face_set_search(face_set=face_set, vector=query, model=MODEL, limit=1)[0].member_pk for query in queries}
    FaceSetMember.objects.filter(pk__in=best).delete()
    face_set.face_count -= len(best)
    face_set.save()
    agree(10)
    returned = {
        m.member_pk for q in queries for m in face_set_search(face_set=face_set, vector=q, model=MODEL, limit=10)
    }
    assert not returned & best
    # new faces, identical to the queries: each is found first without reloading the set
    new_faces = Face.objects.bulk_create(
        Face(project=project, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0) for _ in queries
    )
    added = FaceSetMember.objects.bulk_create(
        FaceSetMember(face_set=face_set, face=face, model=MODEL, vector=query.tolist())
        for face, query in zip(new_faces, queries, strict=True)
    )
    face_set.face_count += len(added)
    face_set.save()
    agree(25)
    for member, query in zip(added, queries, strict=True):
        assert face_set_search(face_set=face_set, vector=query, model=MODEL, limit=1)[0].member_pk == member.pk
    assert len(search._matrix(face_set, MODEL)) == 300  # still the rows loaded first: the new ones came from SQL


@pytest.mark.django_db
def test_threshold_and_model_scope(project):
    face_set = library.face_set_create(
        project=project, name="s", field_schema={"bucket": "integer", "identity": "integer"}
    )
    centres, faces, labels, rng = _populate(project, face_set, identities=20, samples=3)
    query = _queries(centres, rng, 1)[1][0]
    matches = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=60, min_cosine=0.5)
    assert 1 <= len(matches) < 60 and all(m.cosine >= 0.5 for m in matches)
    assert face_set_search(face_set=face_set, vector=query, model="another-model", limit=5) == []


@pytest.mark.django_db
def test_filtered_search_returns_every_match_that_exists(project):
    schema = {"bucket": "integer", "identity": "integer"}
    face_set = library.face_set_create(project=project, name="s", field_schema=schema)
    centres, faces, labels, rng = _populate(project, face_set, identities=50, samples=4)
    query = _queries(centres, rng, 1)[1][0]
    selective = compile_filter_sql(parse_filter("bucket:[10 TO 12] || identity:49", schema))
    matches = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=100, filter_sql=selective)
    expected = {
        face.pk
        for position, (face, label) in enumerate(zip(faces, labels, strict=True))
        if 10 <= position <= 12 or label == 49
    }
    assert {m.face_pk for m in matches} == expected


@pytest.mark.django_db(transaction=True)
def test_hnsw_index_path_agrees_with_exact_and_keeps_filtered_results_complete(project, settings):
    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_GRAPH = False  # pgvector's graph (the graph files are tested in test_graph_search.py)
    schema = {"bucket": "integer", "identity": "integer"}
    face_set = library.face_set_create(project=project, name="big", field_schema=schema)
    centres, faces, labels, rng = _populate(project, face_set, identities=300, samples=5)
    index = face_set_index_ensure(face_set_pk=face_set.pk)
    face_set.refresh_from_db()
    assert index and face_set.vector_index == index
    picks, queries = _queries(centres, rng, 40)
    recalls = []
    for query in queries:
        approximate = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10)
        exact = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10, exact=True)
        assert approximate[0].face_pk == exact[0].face_pk
        recalls.append(len({m.face_pk for m in approximate} & {m.face_pk for m in exact}) / 10)
    assert np.mean(recalls) >= 0.95
    # A filter keeping 2 of 1500 rows: the graph walk alone stops short; the result must still hold both.
    rare = compile_filter_sql(parse_filter("bucket:[700 TO 701]", schema))
    matches = face_set_search(face_set=face_set, vector=queries[0], model=MODEL, limit=10, filter_sql=rare)
    assert {m.face_pk for m in matches} == {faces[700].pk, faces[701].pk}


@pytest.mark.django_db(transaction=True)
def test_filtered_search_on_an_indexed_set_settles_narrow_filters_exactly_and_walks_further_for_wide_ones(
    project, settings, monkeypatch
):
    import facesets.search as search

    settings.FACELIB_HNSW_MIN_FACES = 1000
    settings.FACELIB_GRAPH = False
    schema = {"bucket": "integer", "identity": "integer"}
    face_set = library.face_set_create(project=project, name="big", field_schema=schema)
    centres, faces, labels, rng = _populate(project, face_set, identities=300, samples=5)
    face_set_index_ensure(face_set_pk=face_set.pk)
    face_set.refresh_from_db()
    monkeypatch.setattr(search, "FILTERED_EXACT_ROWS", 200)
    calls = []
    original = search._face_set_query

    def recording(*args, indexed, **options):
        calls.append((indexed, options.get("ef_search")))
        return original(*args, indexed=indexed, **options)

    monkeypatch.setattr(search, "_face_set_query", recording)
    _, queries = _queries(centres, rng, 10)
    position = {face.pk: n for n, face in enumerate(faces)}
    for text, rows in (("bucket:[0 TO 149]", 150), ("bucket:[0 TO 749]", 750)):
        condition = compile_filter_sql(parse_filter(text, schema))
        for query in queries:
            calls.clear()
            found = face_set_search(face_set=face_set, vector=query, model=MODEL, limit=10, filter_sql=condition)
            if rows <= 200:  # narrow: one exact query, nothing approximate
                assert calls == [(False, None)]
            else:  # wide: the graph walk, with ef_search raised for the share the filter keeps (>= 201 / 1500)
                assert calls[0][0] is True and calls[0][1] >= math.ceil(4 * 10 * 1500 / 201)
            exact = face_set_search(
                face_set=face_set, vector=query, model=MODEL, limit=10, filter_sql=condition, exact=True
            )
            assert [m.face_pk for m in found] == [m.face_pk for m in exact]
            assert len(found) == 10 and all(position[m.face_pk] < rows for m in found)


@pytest.mark.django_db
def test_person_group_and_face_list_scopes(project):
    face_set = library.face_set_create(
        project=project, name="s", field_schema={"bucket": "integer", "identity": "integer"}
    )
    centres, faces, labels, rng = _populate(project, face_set, identities=6, samples=3)
    persons = []
    for identity in range(6):
        person = library.person_create(project=project, name=f"p{identity}")
        Face.objects.filter(pk__in=[f.pk for f, label in zip(faces, labels, strict=True) if label == identity]).update(
            person=person
        )
        persons.append(person)
    group = library.group_create(project=project, name="g", persons=persons[:4])
    query = _unit(centres[2] + rng.normal(scale=0.09, size=DIMENSIONS))
    ranked = group_identify(group_pk=group.pk, vector=query, model=MODEL, limit=4)
    assert ranked[0].person_pk == persons[2].pk
    assert len({m.person_pk for m in ranked}) == 4
    outsider = _unit(centres[5] + rng.normal(scale=0.09, size=DIMENSIONS))
    assert persons[5].pk not in {
        m.person_pk for m in group_identify(group_pk=group.pk, vector=outsider, model=MODEL, limit=5)
    }
    own = faces_search(project_pk=project.pk, vector=query, model=MODEL, limit=10, person_pk=persons[2].pk)
    assert len(own) == 3 and {m.person_pk for m in own} == {persons[2].pk}
    listed = faces_search(
        project_pk=project.pk, vector=query, model=MODEL, limit=10, face_pks=[faces[0].pk, faces[1].pk]
    )
    assert {m.face_pk for m in listed} == {faces[0].pk, faces[1].pk}
    other = projects.project_get_or_create(name="elsewhere")
    assert faces_search(project_pk=other.pk, vector=query, model=MODEL, limit=10, face_pks=[faces[0].pk]) == []


def test_ef_search_follows_the_set_size_unless_configured(settings):
    from recognition.search import EF_SEARCH_BY_SIZE, ef_search_for

    settings.FACELIB_HNSW_EF_SEARCH = 0
    (small_limit, small_ef), (_, large_ef) = EF_SEARCH_BY_SIZE
    assert ef_search_for(small_limit) == small_ef and ef_search_for(small_limit + 1) == large_ef
    assert ef_search_for(5_000_000) == large_ef
    settings.FACELIB_HNSW_EF_SEARCH = 64
    assert ef_search_for(5_000_000) == 64 == ef_search_for(30_000)


def test_graph_ef_search_follows_the_graph_size_unless_configured(settings):
    from recognition.search import GRAPH_EF_SEARCH_BY_SIZE, graph_ef_search_for

    settings.FACELIB_GRAPH_EF_SEARCH = 0
    (small_limit, small_ef), (_, large_ef) = GRAPH_EF_SEARCH_BY_SIZE
    assert small_ef < large_ef  # a larger graph walks a longer list for the same recall
    assert graph_ef_search_for(small_limit) == small_ef and graph_ef_search_for(small_limit + 1) == large_ef
    assert graph_ef_search_for(1_000_000) == large_ef
    settings.FACELIB_GRAPH_EF_SEARCH = 300
    assert graph_ef_search_for(1_000_000) == 300 == graph_ef_search_for(30_000)


@pytest.mark.django_db
def test_rows_young_when_read_are_read_again_once_they_have_settled(project, settings):
    """Rows enrolled just before a set's first search are ranked by SQL (a lower id may still commit), but only until
    they have settled: the next search after that reads the set again and holds them."""
    from facesets import search

    settings.FACELIB_MEMORY_SCAN_MIN_FACES = 50
    face_set = library.face_set_create(project=project, name="young")
    centres, faces, labels, rng = _populate(project, face_set, identities=20, samples=5)
    picks, queries = _queries(centres, rng, 5)
    newest = max(FaceSetMember.objects.filter(face_set=face_set).values_list("pk", flat=True))

    def answers() -> None:
        held = [search._memory_search(face_set, query.tolist(), MODEL, 10) for query in queries]
        exact = [face_set_search(face_set=face_set, vector=q, model=MODEL, limit=10, exact=True) for q in queries]
        assert [[m.member_pk for m in h] for h in held] == [[m.member_pk for m in e] for e in exact]

    answers()
    first = search._matrix(face_set, MODEL)
    assert first.newest == newest and first.watermark < newest  # read while young: ranked by SQL as new
    answers()
    assert search._matrix(face_set, MODEL) is first  # not read again before they can have settled
    # The settling time passes (the rows' age and the vectors' read moved back rather than waited for).
    FaceSetMember.objects.filter(face_set=face_set).update(added=timezone.now() - timedelta(hours=1))
    first.loaded -= search.MEMORY_SETTLED_SECONDS + 1
    answers()
    settled = search._matrix(face_set, MODEL)
    assert settled is not first and settled.watermark == newest  # read again: every row held
    answers()
    assert search._matrix(face_set, MODEL) is settled  # and kept
