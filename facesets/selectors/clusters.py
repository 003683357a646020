"""Suggested persons: the faces that belong to no person, grouped by who they show, so that an operator can name a
whole group at once.

Average-linkage agglomerative clustering on cosine similarity: two groups are joined while the mean score over every
pair of their faces stays at or above the threshold, the same "mean pair score" the identity review uses
(selectors.identities). It was chosen by the numbers on the labelled photos (bench/clustering.py): at the "same
person" threshold it groups them with purity 1.000 and completeness 1.000, where DBSCAN (which joins through chains
of single close pairs) mixes people (purity 0.944) and HDBSCAN splits some (completeness 0.964).

Up to EXACT_MAX_FACES faces, scikit-learn's AgglomerativeClustering does it on the full matrix of pair distances. Its
cost grows with the square of the faces in memory as well as time (3 GB and ~30 s at 20,000), and its sparse mode
(a `connectivity` graph) averages over the graph's edges only, which joins strangers (bench/clustering.py), so larger
sets go through `_sparse_average_linkage`, which gives the same clusters from the close pairs alone:

- with unit vectors, the mean cosine over every pair of two groups is sum(A)·sum(B) / (|A| |B|), so any two groups
  are scored exactly from their sums, whatever pairs were kept;
- two groups can only reach a mean of t if at least one pair of their faces scores t or more, so the groups worth
  scoring are those joined by such a pair: every pair at or above the threshold is found (blocks of products), the
  best MAX_CLOSE_PAIRS of each face kept;
- groups are joined best first from a heap, each join scoring the new group against its neighbours.

It is exact while no face has more than MAX_CLOSE_PAIRS pairs at or above the threshold (the result says how many
did; the clusters bench/clustering.py measured were identical to scikit-learn's all the same). CLUSTER_MAX_FACES
(the most recent unassigned faces) bounds one run; naming them brings the next ones up. It runs in a worker
(services.operations: `faces.cluster`) that reports its progress.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from recognition.models import Embedding
from recognition.search import unit_rows

from ..models import Face, Project
from ..progress import Progress, quiet

EXACT_MAX_FACES = 5_000  # scikit-learn on the full matrix up to here: about 100 MB of pair distances
CLUSTER_MAX_FACES = 100_000  # one run's faces (bench/clustering.py: its time and memory at this size)
MAX_CLOSE_PAIRS = 50  # close pairs kept per face for the sparse path
BLOCK_ROWS = 512  # rows of a block of products (x 100,000 faces: 200 MB)
EMBEDDING_TABLE = Embedding._meta.db_table
FACE_TABLE = Face._meta.db_table


@dataclass(frozen=True)
class FaceCluster:
    faces: list[int]  # face pks, newest first
    cohesion: float  # mean cosine over every pair of its faces


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # a cluster number for each vector
    exact: bool  # False when some face had more close pairs than were kept
    crowded: int  # faces with more than MAX_CLOSE_PAIRS close pairs (0 on the full-matrix path)


def clusters_from_vectors(vectors: np.ndarray, *, min_cosine: float, progress: Progress = quiet) -> Clustering:
    """Average-linkage clusters of unit vectors, joined while the mean pair cosine >= min_cosine."""
    if len(vectors) < 2:
        return Clustering(labels=np.zeros(len(vectors), dtype=np.int64), exact=True, crowded=0)
    if len(vectors) <= EXACT_MAX_FACES:
        from sklearn.cluster import AgglomerativeClustering

        progress("Grouping the faces", 0.2)
        clustering = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - min_cosine
        )
        return Clustering(labels=clustering.fit_predict(vectors), exact=True, crowded=0)
    return _sparse_average_linkage(vectors, min_cosine=min_cosine, progress=progress)


def close_pairs(
    vectors: np.ndarray, *, min_cosine: float, per_face: int = MAX_CLOSE_PAIRS, progress: Progress = quiet
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Every pair of rows whose cosine is >= min_cosine, each face's best `per_face` only: (first, second, cosine),
    first < second, each pair once; and how many faces had more than `per_face`."""
    firsts, seconds, scores, crowded = [], [], [], 0
    for start in range(0, len(vectors), BLOCK_ROWS):
        progress("Finding the close pairs of faces", 0.6 * start / len(vectors))
        block = vectors[start : start + BLOCK_ROWS] @ vectors.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf  # not a face with itself
        rows, columns = np.nonzero(block >= min_cosine)
        values = block[rows, columns]
        counts = np.bincount(rows, minlength=len(block))
        if counts.max(initial=0) > per_face:  # keep each row's best: sort by row, then best first
            crowded += int((counts > per_face).sum())
            order = np.lexsort((-values, rows))
            rows, columns, values = rows[order], columns[order], values[order]
            rank = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
            kept = rank < per_face
            rows, columns, values = rows[kept], columns[kept], values[kept]
        firsts.append(rows + start)
        seconds.append(columns)
        scores.append(values)
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    score = np.concatenate(scores).astype(np.float32)
    low, high = np.minimum(first, second), np.maximum(first, second)
    _, unique = np.unique(low.astype(np.int64) * len(vectors) + high, return_index=True)
    return low[unique], high[unique], score[unique], crowded


def _sparse_average_linkage(vectors: np.ndarray, *, min_cosine: float, progress: Progress) -> Clustering:
    first, second, scores, crowded = close_pairs(
        vectors, min_cosine=min_cosine, per_face=MAX_CLOSE_PAIRS, progress=progress
    )
    progress("Grouping the faces", 0.6)
    count = len(vectors)
    sums = vectors.astype(np.float64)  # each group's sum of vectors, at the row of the face that stands for it
    sizes = np.ones(count)
    neighbours: list[set[int]] = [set() for _ in range(count)]
    for a, b in zip(first.tolist(), second.tolist(), strict=True):
        neighbours[a].add(b)
        neighbours[b].add(a)
    version = [0] * count  # bumped at each join: a heap entry of an older version is stale
    heap = [(-score, a, b, 0, 0) for a, b, score in zip(first.tolist(), second.tolist(), scores.tolist(), strict=True)]
    heapq.heapify(heap)
    parent = np.arange(count)
    alive = np.ones(count, dtype=bool)
    popped, pairs = 0, max(1, len(heap))
    while heap and -heap[0][0] >= min_cosine:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        popped += 1
        if popped % 16384 == 0:  # an estimate: every close pair is popped once, and some joins' new scores too
            progress("Grouping the faces", 0.6 + 0.35 * min(1.0, popped / pairs))
        if not (alive[a] and alive[b]) or version[a] != version_a or version[b] != version_b:
            continue
        if len(neighbours[a]) < len(neighbours[b]):
            a, b = b, a
        sums[a] += sums[b]
        sizes[a] += sizes[b]
        alive[b] = False
        parent[b] = a
        for other in neighbours[b]:
            if other != a:
                neighbours[other].discard(b)
                neighbours[other].add(a)
                neighbours[a].add(other)
        neighbours[a].discard(b)
        neighbours[b] = set()
        version[a] += 1
        if neighbours[a]:
            others = np.fromiter(neighbours[a], dtype=np.int64, count=len(neighbours[a]))
            means = (sums[others] @ sums[a]) / (sizes[others] * sizes[a])
            close = means >= min_cosine
            for other, mean in zip(others[close].tolist(), means[close].tolist(), strict=True):
                heapq.heappush(heap, (-mean, a, other, version[a], version[other]))
    while True:  # each face's group: follow the joins to the surviving row
        roots = parent[parent]
        if np.array_equal(roots, parent):
            break
        parent = roots
    _, labels = np.unique(parent, return_inverse=True)
    return Clustering(labels=labels, exact=crowded == 0, crowded=crowded)


@dataclass(frozen=True)
class UnassignedClusters:
    clusters: list[FaceCluster]  # largest first
    clustered: int  # faces grouped (the most recent unassigned ones)
    unassigned: int  # faces without a person in all
    exact: bool  # the same groups as scikit-learn's on the full matrix (see the module's notes)

    def to_json(self) -> dict:
        return {
            "clusters": [{"faces": cluster.faces, "cohesion": cluster.cohesion} for cluster in self.clusters],
            "clustered": self.clustered,
            "unassigned": self.unassigned,
            "exact": self.exact,
        }


def faces_clusters(
    *,
    project: Project,
    model: str,
    min_cosine: float,
    min_size: int = 2,
    max_faces: int = CLUSTER_MAX_FACES,
    progress: Progress = quiet,
) -> UnassignedClusters:
    """Groups of at least `min_size` of the project's faces without a person (the `max_faces` most recent, with a
    vector of `model`), largest first."""
    from ..search import vectors_fetch

    progress("Reading the vectors of the faces without a person", 0.0)
    rows, vectors = vectors_fetch(
        f"SELECT f.id, e.vector FROM {EMBEDDING_TABLE} e JOIN {FACE_TABLE} f ON f.id = e.face_id "
        "WHERE f.project_id = %s AND f.person_id IS NULL AND e.model = %s ORDER BY f.created DESC, f.id DESC LIMIT %s",
        [project.pk, model, max_faces],
    )
    unassigned = Face.objects.filter(project=project, person__isnull=True, embeddings__model=model).count()
    if not rows:
        return UnassignedClusters(clusters=[], clustered=0, unassigned=unassigned, exact=True)
    vectors = unit_rows(vectors)
    clustering = clusters_from_vectors(vectors, min_cosine=min_cosine, progress=progress)
    progress("Scoring the groups", 0.95)
    order = np.argsort(clustering.labels, kind="stable")  # newest first within each group
    clusters = []
    for members in np.split(order, np.flatnonzero(np.diff(clustering.labels[order])) + 1):
        if len(members) < min_size:
            continue
        total = vectors[members].sum(axis=0, dtype=np.float64)
        cohesion = float((total @ total - len(members)) / (len(members) * (len(members) - 1)))
        clusters.append(FaceCluster(faces=[int(rows[i][0]) for i in members], cohesion=round(cohesion, 6)))
    clusters.sort(key=lambda cluster: (-len(cluster.faces), -cluster.cohesion))
    return UnassignedClusters(clusters=clusters, clustered=len(rows), unassigned=unassigned, exact=clustering.exact)
