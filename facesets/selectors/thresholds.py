"""Threshold calibration from the operator's own data: the scores of pairs of faces of the same person (genuine) and
of different persons (impostor), read from the faces already given to persons, and what a threshold does with them.

- Genuine pairs: every pair of faces within each person (exact), unless there are more than `max_pairs` of them,
  then that many drawn at random.
- Impostor pairs: every pair of faces of different persons when there are at most `max_pairs` of them (exact: a few
  thousand labelled faces), otherwise `max_pairs` pairs drawn at random (each pair of faces of different persons
  equally likely). A false-accept rate is then measured down to about 10 / `max_pairs`; below that the answer says it
  is not measurable from this data rather than guess.
- At a threshold (raw cosine): FAR = share of impostor pairs at or above it, FRR = share of genuine pairs below it,
  with their counts.
- A one-to-many search of a set of N strangers returns at least one of them above the threshold with probability
  FPIR = 1 - (1 - FAR)^N (pairs taken as independent): what the operator needs for a set's size.
- Suggested thresholds: the lowest score whose measured FAR is at or below each target.

It runs in a worker (services.operations: `thresholds.calibrate`) on the stored vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from recognition.search import unit_rows

from ..models import Project
from ..progress import Progress, quiet
from .identities import labelled_vectors

BLOCK_ROWS = 2048
BINS = np.linspace(-1.0, 1.0, 401)  # histograms of raw cosines: 0.005 wide
MEASURABLE_PAIRS = 10  # a FAR is measured only where this many impostor pairs would be expected to pass


@dataclass(frozen=True)
class Calibration:
    faces: int
    persons: int
    genuine_pairs: int  # pairs scored
    impostor_pairs: int
    genuine_exact: bool  # every pair scored (else a random sample)
    impostor_exact: bool
    threshold: float  # raw cosine
    false_accepts: int  # impostor pairs at or above the threshold
    false_rejects: int  # genuine pairs below it
    genuine_histogram: list[int]  # counts per bin of BINS
    impostor_histogram: list[int]
    suggested: dict[str, float | None]  # target FAR ("1e-3") -> lowest raw cosine with measured FAR <= it, or None
    set_size: int | None  # the face set a one-to-many search would search (its number of faces)
    suggested_for_set: dict[str, float | None]  # target FPIR at set_size -> raw cosine, or None (not measurable)

    @property
    def far(self) -> float | None:
        return self.false_accepts / self.impostor_pairs if self.impostor_pairs else None

    @property
    def frr(self) -> float | None:
        return self.false_rejects / self.genuine_pairs if self.genuine_pairs else None

    def fpir(self, set_size: int) -> float | None:
        """The chance that a search of `set_size` strangers returns one at or above the threshold, from the measured
        FAR; None when no impostor pair passed (fpir_bound then says how large it can be)."""
        if not self.false_accepts:
            return None
        if self.false_accepts >= self.impostor_pairs:
            return 1.0
        return -math.expm1(set_size * math.log1p(-self.far))

    def fpir_bound(self, set_size: int) -> float | None:
        """With no impostor pair passing: an upper bound on the FPIR (FAR below 3 / pairs, 95 % confidence)."""
        if not self.impostor_pairs:
            return None
        return -math.expm1(set_size * math.log1p(-min(0.999999, 3.0 / self.impostor_pairs)))

    def to_json(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def score_calibration(
    *,
    project: Project,
    model: str,
    threshold: float,
    face_set_pk: int | None = None,
    set_size: int | None = None,
    max_pairs: int = 2_000_000,
    targets: tuple[str, ...] = ("1e-2", "1e-3", "1e-4", "1e-5"),
    seed: int = 0,
    progress: Progress = quiet,
) -> Calibration:
    """Genuine and impostor scores of the project's labelled faces (those in face set `face_set_pk` only, when given)
    and what `threshold` (a raw cosine) does with them; with `set_size`, the thresholds that keep a search of that
    many strangers under 10 % and 1 % false-positive identifications."""
    progress("Reading the vectors of the faces given to persons", 0.0)
    _, persons, vectors = labelled_vectors(project=project, model=model, face_set_pk=face_set_pk)
    return calibration_from_vectors(
        persons,
        vectors,
        threshold=threshold,
        set_size=set_size,
        max_pairs=max_pairs,
        targets=targets,
        seed=seed,
        progress=progress,
    )


def calibration_from_vectors(
    persons: np.ndarray,
    vectors: np.ndarray,
    *,
    threshold: float,
    set_size: int | None = None,
    max_pairs: int = 2_000_000,
    targets: tuple[str, ...] = ("1e-2", "1e-3", "1e-4", "1e-5"),
    seed: int = 0,
    progress: Progress = quiet,
) -> Calibration:
    """The calibration of faces given as arrays (their persons' keys, their vectors), without the database."""
    rng = np.random.default_rng(seed)
    count = len(persons)
    vectors = unit_rows(vectors)
    _, labels = np.unique(persons, return_inverse=True)
    sizes = np.bincount(labels) if count else np.zeros(0, dtype=np.int64)
    genuine_total = int((sizes * (sizes - 1) // 2).sum())
    impostor_total = count * (count - 1) // 2 - genuine_total
    progress("Scoring pairs of faces of one person", 0.1)
    genuine = _genuine_scores(vectors, labels, genuine_total, max_pairs, rng)
    impostor = _impostor_scores(
        vectors,
        labels,
        impostor_total,
        max_pairs,
        rng,
        lambda done: progress("Scoring pairs of different persons", 0.3 + 0.6 * done),
    )
    progress("Counting false accepts and rejects", 0.9)
    return Calibration(
        faces=count,
        persons=len(sizes),
        genuine_pairs=len(genuine),
        impostor_pairs=len(impostor),
        genuine_exact=len(genuine) == genuine_total,
        impostor_exact=len(impostor) == impostor_total,
        threshold=float(threshold),
        false_accepts=int((impostor >= threshold).sum()),
        false_rejects=int((genuine < threshold).sum()),
        genuine_histogram=np.histogram(genuine, BINS)[0].tolist(),
        impostor_histogram=np.histogram(impostor, BINS)[0].tolist(),
        suggested={target: _threshold_at(impostor, float(target)) for target in targets},
        set_size=set_size,
        suggested_for_set={
            target: _threshold_at(impostor, -math.expm1(math.log1p(-float(target)) / set_size))
            for target in ("1e-1", "1e-2")
        }
        if set_size
        else {},
    )


def _threshold_at(impostor: np.ndarray, target: float) -> float | None:
    """The lowest raw cosine whose measured FAR is at most `target`, or None below what these pairs can measure."""
    if not len(impostor) or target * len(impostor) < MEASURABLE_PAIRS:
        return None
    ordered = np.sort(impostor)[::-1]
    allowed = int(math.floor(target * len(ordered)))  # impostor pairs that may pass
    # Just above the (allowed + 1)-th highest impostor score: at most `allowed` pairs reach it.
    return float(np.nextafter(np.float32(ordered[allowed]), np.float32(2.0)))


def _genuine_scores(vectors, labels, total: int, max_pairs: int, rng) -> np.ndarray:
    if total == 0:
        return np.zeros(0, dtype=np.float32)
    order = np.argsort(labels, kind="stable")
    groups = [group for group in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1) if len(group) >= 2]
    if total <= max_pairs:
        scores = []
        for group in groups:
            upper = np.triu_indices(len(group), 1)
            scores.append((vectors[group] @ vectors[group].T)[upper])
        return np.concatenate(scores).astype(np.float32)
    # A random pair within a random person, persons weighted by their number of pairs: every pair equally likely.
    weights = np.array([len(group) * (len(group) - 1) / 2 for group in groups])
    picks = rng.choice(len(groups), size=max_pairs, p=weights / weights.sum())
    first, second = np.empty(max_pairs, dtype=np.int64), np.empty(max_pairs, dtype=np.int64)
    for index, group in enumerate(groups):
        chosen = np.flatnonzero(picks == index)
        if len(chosen):
            a = rng.integers(0, len(group), size=len(chosen))
            b = (a + 1 + rng.integers(0, len(group) - 1, size=len(chosen))) % len(group)
            first[chosen], second[chosen] = group[a], group[b]
    return np.einsum("ij,ij->i", vectors[first], vectors[second]).astype(np.float32)


def _impostor_scores(vectors, labels, total: int, max_pairs: int, rng, done) -> np.ndarray:
    if total == 0:
        return np.zeros(0, dtype=np.float32)
    if total <= max_pairs:
        scores = []
        for start in range(0, len(vectors), BLOCK_ROWS):
            done(start / len(vectors))
            block = vectors[start : start + BLOCK_ROWS] @ vectors.T
            rows, columns = np.nonzero(
                (labels[start : start + BLOCK_ROWS, None] != labels[None, :])
                & (np.arange(start, start + len(block))[:, None] < np.arange(len(vectors))[None, :])
            )
            scores.append(block[rows, columns])
        return np.concatenate(scores).astype(np.float32)
    # Pairs of faces drawn uniformly, those of one person drawn again.
    first, second = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    while len(first) < max_pairs:
        a = rng.integers(0, len(vectors), size=max_pairs)
        b = rng.integers(0, len(vectors), size=max_pairs)
        keep = labels[a] != labels[b]
        first, second = np.concatenate([first, a[keep]]), np.concatenate([second, b[keep]])
    first, second = first[:max_pairs], second[:max_pairs]
    return np.einsum("ij,ij->i", vectors[first], vectors[second]).astype(np.float32)
