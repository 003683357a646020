"""Suggested persons: the faces that belong to no person, grouped by who they show, so that an operator can name a
whole group at once.

scikit-learn's agglomerative clustering with average linkage on cosine distances: two groups are joined while the
mean score over every pair of their faces stays at or above the threshold, the same "mean pair score" the identity
review uses (selectors.identities). It was chosen by the numbers on the labelled photos (bench/clustering.py): at
the "same person" threshold it groups them with purity 1.000 and completeness 1.000, where DBSCAN (which joins
through chains of single close pairs) mixes people (purity 0.944) and HDBSCAN splits some (completeness 0.964). Its
cost grows with the square of the faces (a distance for every pair: 0.7 s for 5,000), so one run takes the
CLUSTER_MAX_FACES most recent unassigned faces; naming them brings the next ones up. It runs in a worker
(services.operations: `faces.cluster`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognition.models import Embedding
from recognition.search import unit_rows

from ..models import Face, Project

CLUSTER_MAX_FACES = 5_000  # about 100 MB of pair distances and a few seconds of one core
EMBEDDING_TABLE = Embedding._meta.db_table
FACE_TABLE = Face._meta.db_table


@dataclass(frozen=True)
class FaceCluster:
    faces: list[int]  # face pks, newest first
    cohesion: float  # mean cosine over every pair of its faces


def clusters_from_vectors(vectors: np.ndarray, *, min_cosine: float) -> np.ndarray:
    """A cluster number for each vector (average linkage, joined while the mean pair cosine >= min_cosine)."""
    from sklearn.cluster import AgglomerativeClustering

    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    clustering = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - min_cosine
    )
    return clustering.fit_predict(vectors)


def faces_clusters(
    *, project: Project, model: str, min_cosine: float, min_size: int = 2, max_faces: int = CLUSTER_MAX_FACES
) -> tuple[list[FaceCluster], int, int]:
    """Groups of at least `min_size` of the project's faces without a person (the `max_faces` most recent, with a
    vector of `model`), largest first; and how many faces were clustered, and how many have no person in all."""
    from ..search import vectors_fetch

    rows, vectors = vectors_fetch(
        f"SELECT f.id, e.vector FROM {EMBEDDING_TABLE} e JOIN {FACE_TABLE} f ON f.id = e.face_id "
        "WHERE f.project_id = %s AND f.person_id IS NULL AND e.model = %s ORDER BY f.created DESC, f.id DESC LIMIT %s",
        [project.pk, model, max_faces],
    )
    unassigned = Face.objects.filter(project=project, person__isnull=True, embeddings__model=model).count()
    if not rows:
        return [], 0, unassigned
    vectors = unit_rows(vectors)
    labels = clusters_from_vectors(vectors, min_cosine=min_cosine)
    clusters = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) < min_size:
            continue
        scores = vectors[members] @ vectors[members].T
        cohesion = float((scores.sum() - len(members)) / (len(members) * (len(members) - 1)))
        clusters.append(FaceCluster(faces=[int(rows[i][0]) for i in members], cohesion=round(cohesion, 6)))
    clusters.sort(key=lambda cluster: (-len(cluster.faces), -cluster.cohesion))
    return clusters, len(rows), unassigned
