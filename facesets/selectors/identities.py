"""Identity review: persons that are probably one human, and faces that probably belong to someone else, read from
the vectors of the faces already assigned to persons.

Scores are cosines between faces, the same a comparison of two photos gives, so they are read against the same
thresholds (the dashboard's "same person" mark, a dialect's documented threshold). Nothing is sampled:

- two persons are scored by the *mean* over every pair of their faces: with each person's sum of face vectors that is
  sum(A)·sum(B) / (|A| |B|), so all pairs of persons cost one product of the persons' sums (persons² × dimensions);
- a face is scored against its own person by the *median* of its cosines with the person's other faces (every pair
  within a person is computed: a few wrong faces in a person do not drag its right ones below the threshold, as a
  mean would), and against every other person by the mean (the face times that person's sum).

The products are done in blocks that keep memory bounded; at 100,000 faces of 10,000 persons the review is about a
second or two of two cores. It runs in a worker (services.operations: `identities.review`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.models import Embedding
from recognition.search import unit_rows

from ..models import Face, FaceSetMember, Project
from ..progress import Progress, quiet

BLOCK_ROWS = 2048  # rows of a block of the products (x the persons: 2048 x 10,000 floats = 80 MB)
EMBEDDING_TABLE = Embedding._meta.db_table
FACE_TABLE = Face._meta.db_table
MEMBER_TABLE = FaceSetMember._meta.db_table


@dataclass(frozen=True)
class PersonPair:
    """Two persons whose faces match each other on average at `cosine` (mean over every pair of their faces)."""

    keep: int  # the person with more faces (the merge target), by pk
    merge: int
    cosine: float


@dataclass(frozen=True)
class StrayFace:
    """A face whose median cosine with the other faces of its own person is `own` (below the threshold); `closer` is
    the person whose faces it matches best on average, at `closer_cosine`, when that is at or above the threshold."""

    face: int
    person: int
    own: float
    closer: int | None
    closer_cosine: float | None


@dataclass(frozen=True)
class IdentityReview:
    faces: int
    persons: int
    min_cosine: float
    pairs: list[PersonPair]
    strays: list[StrayFace]

    def to_json(self) -> dict:
        return {
            "faces": self.faces,
            "persons": self.persons,
            "min_cosine": self.min_cosine,
            "pairs": [pair.__dict__ for pair in self.pairs],
            "strays": [stray.__dict__ for stray in self.strays],
        }


def identities_review(
    *, project: Project, model: str, min_cosine: float, limit: int = 100, progress: Progress = quiet
) -> IdentityReview:
    """The project's pairs of persons whose faces match on average at `min_cosine` or more (best first), and its
    faces whose median match with the rest of their own person is below it (worst first); at most `limit` of each."""
    progress("Reading the vectors of the faces given to persons", 0.0)
    face_pks, person_ids, vectors = labelled_vectors(project=project, model=model)
    return identities_from_vectors(face_pks, person_ids, vectors, min_cosine=min_cosine, limit=limit, progress=progress)


def labelled_vectors(
    *, project: Project, model: str, face_set_pk: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The faces given to persons (in face set `face_set_pk` only, when given) with a vector of `model`: their pks,
    their persons' pks and their vectors, by face pk (what the identity review and the threshold calibration read)."""
    from ..search import vectors_fetch

    where = "f.project_id = %s AND f.person_id IS NOT NULL AND e.model = %s"
    params: list = [project.pk, model]
    if face_set_pk is not None:
        where += f" AND EXISTS (SELECT 1 FROM {MEMBER_TABLE} m WHERE m.face_id = f.id AND m.face_set_id = %s)"
        params.append(face_set_pk)
    rows, vectors = vectors_fetch(
        f"SELECT f.id, f.person_id, e.vector FROM {EMBEDDING_TABLE} e JOIN {FACE_TABLE} f ON f.id = e.face_id "
        f"WHERE {where} ORDER BY f.id",
        params,
    )
    face_pks = np.array([row[0] for row in rows], dtype=np.int64)
    person_ids = np.array([row[1] for row in rows], dtype=np.int64)
    return face_pks, person_ids, vectors


def identities_from_vectors(
    face_pks: np.ndarray,
    person_ids: np.ndarray,
    vectors: np.ndarray,
    *,
    min_cosine: float,
    limit: int = 100,
    progress: Progress = quiet,
) -> IdentityReview:
    """The review of faces given as arrays (their keys, their persons' keys, their vectors): the whole computation,
    without the database (bench/identity_review.py times it)."""
    if not len(face_pks):
        return IdentityReview(faces=0, persons=0, min_cosine=min_cosine, pairs=[], strays=[])
    person_pks, labels = np.unique(person_ids, return_inverse=True)
    vectors = unit_rows(vectors)
    sums = np.zeros((len(person_pks), vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, vectors)
    sums = sums.astype(np.float32)
    counts = np.bincount(labels, minlength=len(person_pks)).astype(np.float32)
    # Rough shares of the work: comparing persons is most of it when persons are many.
    pairs = _pairs(
        sums, counts, person_pks, min_cosine, limit, lambda done: progress("Comparing persons", 0.1 + 0.5 * done)
    )
    progress("Comparing each face with the rest of its person", 0.6)
    strays = _strays(vectors, labels, sums, counts, face_pks, person_pks, min_cosine, limit)
    return IdentityReview(
        faces=len(face_pks), persons=len(person_pks), min_cosine=min_cosine, pairs=pairs, strays=strays
    )


def _pairs(sums, counts, person_pks, min_cosine: float, limit: int, done) -> list[PersonPair]:
    found: list[tuple[float, int, int]] = []
    for start in range(0, len(sums), BLOCK_ROWS):
        done(start / len(sums))
        block = sums[start : start + BLOCK_ROWS] @ sums.T
        block /= np.outer(counts[start : start + BLOCK_ROWS], counts)
        rows, columns = np.nonzero(block >= min_cosine)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            first = start + row
            if column > first:  # each pair once, never a person with itself
                found.append((float(block[row, column]), first, column))
    found.sort(reverse=True)
    pairs = []
    for cosine, first, second in found[:limit]:
        keep, merge = (first, second) if counts[first] >= counts[second] else (second, first)
        pairs.append(PersonPair(keep=int(person_pks[keep]), merge=int(person_pks[merge]), cosine=round(cosine, 6)))
    return pairs


def _strays(vectors, labels, sums, counts, face_pks, person_pks, min_cosine: float, limit: int) -> list[StrayFace]:
    own = _own_medians(vectors, labels)
    # Only the flagged faces are held against every other person (a face alone in its person has a NaN median: it is
    # never flagged, there is nothing to compare it with).
    flagged = np.flatnonzero(own < min_cosine)
    flagged = flagged[np.argsort(own[flagged], kind="stable")][:limit]
    found: list[StrayFace] = []
    for start in range(0, len(flagged), BLOCK_ROWS):
        rows = flagged[start : start + BLOCK_ROWS]
        positions = np.arange(len(rows))
        others = (vectors[rows] @ sums.T) / counts  # each face's mean against each person
        others[positions, labels[rows]] = -np.inf
        closer = np.argmax(others, axis=1)
        closer_cosine = others[positions, closer]
        for position, row in enumerate(rows.tolist()):
            other_fits = bool(closer_cosine[position] >= min_cosine)
            found.append(
                StrayFace(
                    face=int(face_pks[row]),
                    person=int(person_pks[labels[row]]),
                    own=round(float(own[row]), 6),
                    closer=int(person_pks[closer[position]]) if other_fits else None,
                    closer_cosine=round(float(closer_cosine[position]), 6) if other_fits else None,
                )
            )
    return found


def _own_medians(vectors, labels) -> np.ndarray:
    """Each face's median cosine with the other faces of its person (NaN for a person's only face). Persons with the
    same number of faces are done together, as one stack of small matrices."""
    medians = np.full(len(vectors), np.nan, dtype=np.float32)
    order = np.argsort(labels, kind="stable")
    by_size: dict[int, list[np.ndarray]] = {}
    for members in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        if len(members) >= 2:
            by_size.setdefault(len(members), []).append(members)
    budget = BLOCK_ROWS * BLOCK_ROWS  # scores held at once
    for size, persons in by_size.items():
        if size * size <= budget // 4:
            step = max(1, budget // (size * size))
            for start in range(0, len(persons), step):
                rows = np.stack(persons[start : start + step])  # persons x size
                group = vectors[rows]
                medians[rows] = _median_without_self(group @ group.transpose(0, 2, 1), np.arange(size))
        else:  # a person with very many faces: blocks of their rows against all their faces
            for members in persons:
                group = vectors[members]
                step = max(1, budget // size)
                for start in range(0, size, step):
                    scores = group[start : start + step] @ group.T
                    medians[members[start : start + step]] = _median_without_self(
                        scores, np.arange(start, start + len(scores))
                    )
    return medians


def _median_without_self(scores: np.ndarray, own_columns: np.ndarray) -> np.ndarray:
    """The median of each row of `scores` (..., rows, faces) leaving out each row's own column."""
    rows = np.arange(scores.shape[-2])
    scores[..., rows, own_columns] = np.inf  # sorted last, then left out
    scores.sort(axis=-1)
    count = scores.shape[-1] - 1
    return (scores[..., (count - 1) // 2] + scores[..., count // 2]) / 2
