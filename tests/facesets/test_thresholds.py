"""Threshold calibration (selectors.thresholds) on scores whose answer is known: exact pair counts and FAR / FRR,
sampled pairs when there are too many, suggested thresholds, and the false-positive identification rate by size."""

from __future__ import annotations

import math

import numpy as np
import pytest

from facesets.selectors.thresholds import calibration_from_vectors


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def _faces(seed: int = 1, identities: int = 30, per_identity: int = 4):
    rng = np.random.default_rng(seed)
    centres = _unit(rng.normal(size=(identities, 64)))
    persons = np.repeat(np.arange(identities) * 7 + 100, per_identity)  # any keys
    vectors = _unit(np.repeat(centres, per_identity, axis=0) + rng.normal(scale=0.12, size=(len(persons), 64)))
    return persons, vectors.astype(np.float32)


def test_every_pair_is_scored_and_the_rates_are_their_shares():
    persons, vectors = _faces()
    threshold = 0.35
    calibration = calibration_from_vectors(persons, vectors, threshold=threshold, set_size=1000)
    scores = vectors @ vectors.T
    upper = np.triu_indices(len(persons), 1)
    same = persons[upper[0]] == persons[upper[1]]
    genuine, impostor = scores[upper][same], scores[upper][~same]
    assert (calibration.genuine_pairs, calibration.impostor_pairs) == (30 * 6, len(impostor))
    assert calibration.genuine_exact and calibration.impostor_exact
    assert calibration.false_accepts == int((impostor >= threshold).sum()) > 0
    assert calibration.false_rejects == int((genuine < threshold).sum()) > 0
    assert calibration.far == pytest.approx(calibration.false_accepts / len(impostor))
    assert sum(calibration.genuine_histogram) == len(genuine) and sum(calibration.impostor_histogram) == len(impostor)
    # FPIR grows with the set: 1 - (1 - FAR)^N
    assert calibration.fpir(10) == pytest.approx(1 - (1 - calibration.far) ** 10)
    assert calibration.fpir(10) < calibration.fpir(1000)
    # the suggested threshold lets at most that share of impostor pairs through, and a little lower lets more (this
    # test's own product rounds a little differently: 1e-6 apart)
    at = calibration.suggested["1e-2"]
    assert (impostor >= at + 1e-6).mean() <= 0.01 < (impostor >= at - 1e-6).mean()
    assert calibration.suggested["1e-4"] is None  # 6,960 impostor pairs cannot measure 1 in 10,000
    # a set's suggested threshold: the FAR that keeps 1 search in 10 of 1,000 faces clean is ~1e-4: not measurable
    assert calibration.suggested_for_set == {"1e-1": None, "1e-2": None}
    small = calibration_from_vectors(persons, vectors, threshold=threshold, set_size=2)
    wanted = -math.expm1(math.log1p(-0.1) / 2)  # the per-pair FAR for 1 search in 10 of 2 faces
    assert (impostor >= small.suggested_for_set["1e-1"] + 1e-6).mean() <= wanted


def test_too_many_pairs_are_sampled_without_pairs_of_one_person():
    persons, vectors = _faces(identities=40, per_identity=10)
    calibration = calibration_from_vectors(persons, vectors, threshold=0.4, max_pairs=500)
    assert (calibration.genuine_pairs, calibration.impostor_pairs) == (500, 500)
    assert not calibration.genuine_exact and not calibration.impostor_exact
    exact = calibration_from_vectors(persons, vectors, threshold=0.4)
    # the samples' rates estimate the exact ones
    assert calibration.frr == pytest.approx(exact.frr, abs=0.08)
    assert calibration.far == pytest.approx(exact.far, abs=0.03)
    # no impostor sample is a pair of one person's faces: the histogram holds no genuine-level scores
    high = np.histogram([0.95], np.linspace(-1.0, 1.0, 401))[0].argmax()
    assert sum(calibration.impostor_histogram[high:]) == 0


def test_a_threshold_every_impostor_pair_passes_makes_every_search_find_a_stranger():
    persons, vectors = _faces(identities=3, per_identity=2)
    calibration = calibration_from_vectors(persons, vectors, threshold=-1.0)
    assert calibration.false_accepts == calibration.impostor_pairs == 12
    assert calibration.fpir(10) == 1.0 and calibration.frr == 0.0


def test_no_faces_or_no_pairs_answer_empty():
    empty = calibration_from_vectors(np.zeros(0, dtype=np.int64), np.zeros((0, 8), np.float32), threshold=0.4)
    assert (empty.faces, empty.genuine_pairs, empty.impostor_pairs, empty.far, empty.frr) == (0, 0, 0, None, None)
    one = calibration_from_vectors(np.array([5]), np.ones((1, 8), np.float32), threshold=0.4)
    assert (one.faces, one.persons, one.genuine_pairs, one.impostor_pairs) == (1, 1, 0, 0)
