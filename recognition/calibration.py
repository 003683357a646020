"""Raw cosine similarity (default model, SFace 2021dec) -> each vendor dialect's documented score scale.

Clients of the cloud APIs FaceLib imitates hard-code the vendors' documented thresholds, so a score must mean
what the vendor's documentation says it means:

* Huawei FRS ``similarity`` 0..1: "above 0.93 can be taken as the same person".
* SenseTime ``confidence`` 0..1 with the error-rate table 0.4/0.5/0.6/0.7/0.8/0.9 = FAR 1e-1 ... 1e-6
  (``same_person`` is true above 0.6).
* Baidu ``score`` 0..100: 80 = same person.
* Face++ ``confidence`` 0..100 with a ``thresholds`` object at FAR 1e-3 / 1e-4 / 1e-5. Those three values are the
  ones Face++ itself returns (62.327 / 69.101 / 73.975), so client code written against Face++ keeps working; our
  raw cosines at the same FARs are mapped onto them.

Each mapping is a monotonic piecewise-linear function through anchor points (raw cosine -> score), clamped to the
scale. Every dialect maps cosine <= 0 (no resemblance at all) to the bottom of its scale and cosine 1 to the top.

How the anchors were fitted (regenerate with ``bench/calibrate.py``; it prints the constants block below):
  date 2026-11-22; data shared/data/faces: labels.csv (63 photos, 13 people) + more_people/ (37 photos, 21
  identities, angelina_jolie = person01), 100 photos, 33 identities, largest face per photo, all detected.
  All pairs: 189 genuine (mean cosine 0.730, min 0.430), 4761 impostor (mean 0.120, sd 0.087, max 0.488 =
  Angelina Jolie vs her look-alike Kate Siegel); d' 6.77. pairs.csv alone (140 same / 380 different): same min
  0.499, different max 0.448.
  FAR thresholds: FAR 1e-1 and 1e-2 are empirical quantiles of the 4761 impostor scores; 1e-3 and below cannot be
  resolved by 4761 pairs and are extrapolated from a normal fitted to the upper 10% of the impostor scores
  (quantile-plot least squares: mu 0.0989, sigma 0.0981). Those extrapolated values are estimates, not
  measurements: real impostor tails are usually heavier than normal, so true FARs there are likely higher.
  Decision threshold: the cosine with the lowest balanced error (FRR + FAR) / 2 over all pairs, centred in the
  optimal range: 0.4157 (no genuine pair below it, 4 of 4761 impostors above; 519/520 of pairs.csv correct).
"""

from __future__ import annotations

import numpy as np

# --- constants printed by bench/calibrate.py (fitted 2026-11-22) ---
FIT_DATE = "2026-11-22"
FIT_COUNTS = {"photos": 100, "genuine_pairs": 189, "impostor_pairs": 4761, "labelled_pairs": 520}
IMPOSTOR_TAIL_NORMAL = (0.0989, 0.0981)
RAW_AT_FAR = {
    "1e-1": 0.2285,  # empirical
    "1e-2": 0.3260,  # empirical
    "1e-3": 0.4021,  # normal tail
    "1e-4": 0.4637,  # normal tail
    "1e-5": 0.5173,  # normal tail
    "1e-6": 0.5652,  # normal tail
}
RAW_DECISION = 0.4157
# --- end of fitted constants ---

# A score's verdict, the same for every interface that labels one (the dashboard): "same" from the decision threshold
# up (Huawei 0.93), "uncertain" from the cosine that 1 impostor pair in 100 reaches up to it, "different" below.
RAW_UNCERTAIN = RAW_AT_FAR["1e-2"]
VERDICTS = ("same", "uncertain", "different")

# Face++'s own published thresholds object, returned verbatim by the facepp dialect.
FACEPP_THRESHOLDS: dict[str, float] = {"1e-3": 62.327, "1e-4": 69.101, "1e-5": 73.975}

# (raw cosine, score) anchors per dialect, strictly increasing in both coordinates.
ANCHORS: dict[str, tuple[tuple[float, float], ...]] = {
    "huawei": ((0.0, 0.0), (RAW_DECISION, 0.93), (1.0, 1.0)),
    "sensetime": (
        (0.0, 0.0),
        (RAW_AT_FAR["1e-1"], 0.4),
        (RAW_AT_FAR["1e-2"], 0.5),
        (RAW_AT_FAR["1e-3"], 0.6),
        (RAW_AT_FAR["1e-4"], 0.7),
        (RAW_AT_FAR["1e-5"], 0.8),
        (RAW_AT_FAR["1e-6"], 0.9),
        (1.0, 1.0),
    ),
    "baidu": ((0.0, 0.0), (RAW_DECISION, 80.0), (1.0, 100.0)),
    "facepp": (
        (0.0, 0.0),
        (RAW_AT_FAR["1e-3"], FACEPP_THRESHOLDS["1e-3"]),
        (RAW_AT_FAR["1e-4"], FACEPP_THRESHOLDS["1e-4"]),
        (RAW_AT_FAR["1e-5"], FACEPP_THRESHOLDS["1e-5"]),
        (1.0, 100.0),
    ),
}

_ALIASES = {"face++": "facepp", "megvii": "facepp", "hw": "huawei", "frs": "huawei", "st": "sensetime"}


def _anchors(dialect: str) -> tuple[np.ndarray, np.ndarray]:
    key = _ALIASES.get(dialect.lower(), dialect.lower())
    if key not in ANCHORS:
        raise ValueError(f"unknown dialect {dialect!r} (known: {', '.join(sorted(ANCHORS))})")
    points = np.array(ANCHORS[key], dtype=np.float64)
    return points[:, 0], points[:, 1]


def score_for(dialect: str, cosine: float) -> float:
    """The dialect's score for a raw cosine (clamped to the scale; NaN counts as no resemblance)."""
    xs, ys = _anchors(dialect)
    value = float(cosine)
    if not np.isfinite(value):
        value = -1.0
    return float(np.interp(value, xs, ys))


def huawei_similarity(cosine: float) -> float:
    """Huawei FRS similarity 0..1; >= 0.93 at the best same/different threshold."""
    return score_for("huawei", cosine)


def sensetime_confidence(cosine: float) -> float:
    """SenseTime confidence 0..1; 0.4..0.9 at FAR 1e-1..1e-6."""
    return score_for("sensetime", cosine)


def baidu_score(cosine: float) -> float:
    """Baidu score 0..100; >= 80 at the best same/different threshold."""
    return score_for("baidu", cosine)


def facepp_confidence(cosine: float) -> float:
    """Face++ confidence 0..100; FACEPP_THRESHOLDS at FAR 1e-3 / 1e-4 / 1e-5."""
    return score_for("facepp", cosine)


def verdict(cosine: float) -> str:
    """'same' at or above RAW_DECISION (about 1 different pair in 1,000 scores this high, none of the fitted genuine
    pairs below it), 'uncertain' from RAW_UNCERTAIN (1 different pair in 100) up to it, 'different' below (NaN too)."""
    value = float(cosine)
    if value >= RAW_DECISION:
        return "same"
    if value >= RAW_UNCERTAIN:
        return "uncertain"
    return "different"


def raw_cosine_for(dialect: str, score: float) -> float:
    """The smallest raw cosine whose dialect score reaches ``score`` (for turning a threshold into a SQL bound).

    A score at or below the bottom of the scale returns -1.0 (everything matches); one above the top returns 1.0.
    """
    xs, ys = _anchors(dialect)
    value = float(score)
    if value <= ys[0]:
        return -1.0
    if value >= ys[-1]:
        return 1.0
    return float(np.interp(value, ys, xs))
