"""Raw cosine -> vendor score calibration (no database)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from recognition import calibration
from recognition.calibration import (
    FACEPP_THRESHOLDS,
    RAW_AT_FAR,
    RAW_DECISION,
    baidu_score,
    facepp_confidence,
    huawei_similarity,
    raw_cosine_for,
    sensetime_confidence,
    verdict,
)

DIALECTS = {
    "huawei": (huawei_similarity, 1.0),
    "sensetime": (sensetime_confidence, 1.0),
    "baidu": (baidu_score, 100.0),
    "facepp": (facepp_confidence, 100.0),
}
REPO = Path(__file__).resolve().parents[2]


def _calibrate_module():
    spec = importlib.util.spec_from_file_location("bench_calibrate", REPO / "bench" / "calibrate.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_monotonic_and_clamped(dialect: str) -> None:
    function, top = DIALECTS[dialect]
    grid = np.linspace(-1.5, 1.5, 3001)
    scores = np.array([function(c) for c in grid])
    assert np.all(np.diff(scores) >= 0)
    assert scores.min() == 0.0 and scores.max() == top
    assert function(0.0) == 0.0 and function(-0.7) == 0.0 and function(1.0) == top
    assert function(float("nan")) == 0.0
    assert calibration.score_for(dialect, 0.5) == function(0.5)


def test_documented_thresholds_sit_on_the_fitted_points() -> None:
    assert huawei_similarity(RAW_DECISION) == pytest.approx(0.93)
    assert baidu_score(RAW_DECISION) == pytest.approx(80.0)
    for level, confidence in zip(
        ("1e-1", "1e-2", "1e-3", "1e-4", "1e-5", "1e-6"), (0.4, 0.5, 0.6, 0.7, 0.8, 0.9), strict=True
    ):
        assert sensetime_confidence(RAW_AT_FAR[level]) == pytest.approx(confidence)
    for level, value in FACEPP_THRESHOLDS.items():
        assert facepp_confidence(RAW_AT_FAR[level]) == pytest.approx(value)
    assert list(FACEPP_THRESHOLDS) == ["1e-3", "1e-4", "1e-5"]
    assert FACEPP_THRESHOLDS["1e-3"] < FACEPP_THRESHOLDS["1e-4"] < FACEPP_THRESHOLDS["1e-5"]
    levels = [RAW_AT_FAR[k] for k in ("1e-1", "1e-2", "1e-3", "1e-4", "1e-5", "1e-6")]
    assert levels == sorted(levels) and 0.0 < levels[0] and levels[-1] < 1.0
    assert RAW_AT_FAR["1e-2"] < RAW_DECISION < RAW_AT_FAR["1e-4"]


def test_decisions_agree_across_dialects() -> None:
    """A pair clearly on one side of the decision threshold is judged alike by every dialect's own threshold."""
    for cosine, same in ((0.2, False), (0.3, False), (0.6, True), (0.8, True)):
        assert (huawei_similarity(cosine) > 0.93) is same
        assert (baidu_score(cosine) > 80) is same
        assert (sensetime_confidence(cosine) > 0.6) is same
        assert (facepp_confidence(cosine) > FACEPP_THRESHOLDS["1e-3"]) is same


def test_verdicts_follow_the_decision_threshold_and_the_1_in_100_point() -> None:
    """The dashboard's labels: 'same' exactly from the decision threshold (Huawei 0.93), 'uncertain' exactly from the
    cosine 1 impostor pair in 100 reaches, 'different' below it and for NaN."""
    below = np.nextafter(RAW_DECISION, 0.0)
    assert verdict(RAW_DECISION) == verdict(0.9) == "same"
    assert huawei_similarity(below) < 0.93 and verdict(below) == "uncertain"
    assert verdict(RAW_AT_FAR["1e-2"]) == verdict(0.396) == "uncertain"  # 0.396: a look-alike pair of the photos
    assert verdict(np.nextafter(RAW_AT_FAR["1e-2"], 0.0)) == verdict(0.0) == verdict(-0.5) == "different"
    assert verdict(float("nan")) == "different"


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_inverse(dialect: str) -> None:
    function, top = DIALECTS[dialect]
    for cosine in np.linspace(0.01, 1.0, 50):
        assert raw_cosine_for(dialect, function(cosine)) == pytest.approx(cosine, abs=1e-9)
    assert raw_cosine_for(dialect, 0.0) == -1.0  # "no threshold": everything matches
    assert raw_cosine_for(dialect, -5) == -1.0
    assert raw_cosine_for(dialect, top * 2) == 1.0
    assert raw_cosine_for(dialect.upper(), top / 2) == raw_cosine_for(dialect, top / 2)


def test_inverse_of_documented_thresholds_and_aliases() -> None:
    assert raw_cosine_for("huawei", 0.93) == pytest.approx(RAW_DECISION)
    assert raw_cosine_for("baidu", 80) == pytest.approx(RAW_DECISION)
    assert raw_cosine_for("sensetime", 0.6) == pytest.approx(RAW_AT_FAR["1e-3"])
    assert raw_cosine_for("face++", FACEPP_THRESHOLDS["1e-4"]) == pytest.approx(RAW_AT_FAR["1e-4"])
    with pytest.raises(ValueError):
        raw_cosine_for("acme", 0.5)
    with pytest.raises(ValueError):
        calibration.score_for("acme", 0.5)


def test_fitting_functions_on_synthetic_scores() -> None:
    """bench/calibrate.py's estimators recover known answers on normal-distributed scores."""
    module = _calibrate_module()
    rng = np.random.default_rng(4)
    impostor = rng.normal(0.1, 0.1, 50_000)
    genuine = rng.normal(0.7, 0.1, 2_000)
    mu, sigma = module.tail_normal(impostor)
    assert mu == pytest.approx(0.1, abs=0.01) and sigma == pytest.approx(0.1, abs=0.01)
    thresholds, how, _ = module.far_thresholds(impostor)
    assert how["1e-2"] == "empirical" and how["1e-5"] == "normal tail"
    assert thresholds["1e-2"] == pytest.approx(0.1 + 0.1 * 2.3263, abs=0.01)
    assert thresholds["1e-5"] == pytest.approx(0.1 + 0.1 * 4.2649, abs=0.02)
    decision, error = module.best_separation(genuine, impostor)
    assert decision == pytest.approx(0.4, abs=0.03) and error < 0.005
    separable, zero = module.best_separation(np.array([0.6, 0.7]), np.array([0.1, 0.2]))
    assert separable == pytest.approx(0.4) and zero == 0.0


def test_constants_are_reproducible_from_the_photos(shared_data: Path) -> None:
    """Re-fit on the shared photos: the stored constants must still describe the current model's scores.

    Catches a preprocessing or model change (e.g. channel order) that would silently shift every vendor score.
    """
    from recognition.engine import DEFAULT_DETECT_SIZE, DEFAULT_DETECT_THRESHOLD, FaceEngine

    module = _calibrate_module()
    engine = FaceEngine(pack="", detect_size=DEFAULT_DETECT_SIZE, detect_threshold=DEFAULT_DETECT_THRESHOLD)
    rows = module.labelled_photos(shared_data)
    vectors = module.embed_photos(engine, shared_data, rows)
    assert len(vectors) == len(rows) == calibration.FIT_COUNTS["photos"]
    identity = dict(rows)
    names = list(vectors)
    matrix = np.stack([vectors[n] for n in names])
    upper = np.triu_indices(len(names), 1)
    same = np.array([identity[names[i]] == identity[names[j]] for i, j in zip(*upper, strict=True)])
    sims = (matrix @ matrix.T)[upper]
    genuine, impostor = sims[same], sims[~same]
    assert (len(genuine), len(impostor)) == (
        calibration.FIT_COUNTS["genuine_pairs"],
        calibration.FIT_COUNTS["impostor_pairs"],
    )
    thresholds, _, _ = module.far_thresholds(impostor)
    decision, _ = module.best_separation(genuine, impostor)
    assert decision == pytest.approx(RAW_DECISION, abs=0.005)
    for level, value in RAW_AT_FAR.items():
        assert thresholds[level] == pytest.approx(value, abs=0.005), level
