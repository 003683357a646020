"""Suggested persons' grouping (selectors.clusters) on vectors whose answer is known: the sparse path, which scales
past the full matrix of pair distances, gives exactly scikit-learn's average-linkage groups while no face has more
close pairs than it keeps, says so when one does, and reports its progress as it goes."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from facesets.selectors import clusters
from facesets.selectors.clusters import close_pairs, clusters_from_vectors

THRESHOLD = 0.5


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _identities(seed: int, count: int, per: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """`count` identities of `per` faces each around random centres; with this spread some identities' faces fall
    near the threshold with each other, so the order of joins matters (a test that a sloppy merge would fail)."""
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(count, 64)))
    labels = np.repeat(np.arange(count), per)
    return _unit(centres[labels] + rng.normal(scale=spread, size=(count * per, 64))), labels


@pytest.mark.parametrize("spread", [0.08, 0.11])
def test_the_sparse_path_groups_exactly_as_scikit_learn_on_the_full_matrix(monkeypatch, spread):
    vectors, _ = _identities(3, 300, 4, spread)
    full = clusters_from_vectors(vectors, min_cosine=THRESHOLD)
    monkeypatch.setattr(clusters, "EXACT_MAX_FACES", 100)  # the same vectors through the sparse path
    sparse = clusters_from_vectors(vectors, min_cosine=THRESHOLD)
    assert sparse.exact and sparse.crowded == 0
    assert len(np.unique(full.labels)) == len(np.unique(sparse.labels)) > 1
    assert adjusted_rand_score(full.labels, sparse.labels) == 1.0


def test_close_pairs_are_every_pair_at_or_above_the_threshold():
    vectors, _ = _identities(5, 50, 5, 0.12)
    first, second, scores, crowded = close_pairs(vectors, min_cosine=THRESHOLD)
    products = vectors @ vectors.T
    expected = {(a, b) for a, b in zip(*np.nonzero(products >= THRESHOLD), strict=True) if a < b}
    assert crowded == 0 and set(zip(first.tolist(), second.tolist(), strict=True)) == expected
    assert np.allclose(scores, products[first, second], atol=1e-6)


def test_faces_with_more_close_pairs_than_kept_are_counted_and_the_grouping_is_not_called_exact(monkeypatch):
    vectors, _ = _identities(7, 40, 6, 0.05)  # six faces an identity: five close pairs each
    first, _, _, crowded = close_pairs(vectors, min_cosine=THRESHOLD, per_face=2)
    assert crowded == len(vectors)
    assert len(first) <= 2 * len(vectors)  # at most two kept by each face
    monkeypatch.setattr(clusters, "EXACT_MAX_FACES", 10)
    monkeypatch.setattr(clusters, "MAX_CLOSE_PAIRS", 2)
    grouped = clusters_from_vectors(vectors, min_cosine=THRESHOLD)
    assert not grouped.exact and grouped.crowded == len(vectors)


def test_the_sparse_path_reports_its_progress_in_order(monkeypatch):
    vectors, _ = _identities(9, 400, 3, 0.1)
    monkeypatch.setattr(clusters, "EXACT_MAX_FACES", 100)
    monkeypatch.setattr(clusters, "BLOCK_ROWS", 64)
    reports = []
    clusters_from_vectors(vectors, min_cosine=THRESHOLD, progress=lambda stage, fraction: reports.append(fraction))
    assert len(reports) > 5
    assert reports == sorted(reports) and 0 <= reports[0] and reports[-1] <= 1
