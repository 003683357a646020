"""Suggested persons (facesets.selectors.clusters): how well clustering groups the labelled photos by who they show,
the chosen method beside scikit-learn's alternatives, and what one run costs at its size limit.

    .venv/bin/python bench/clustering.py

Quality, on the largest face of each labelled photo of ../shared/data/faces/ (100 photos of 33 people) at the
dashboard's "same person" threshold (0.93 on the Huawei scale): purity (the share of the grouped photos that belong to
their group's main person), completeness (scikit-learn's: 1.0 when each person's photos all land in one group; a
photo left out counts as a group of its own), the share of photos grouped with at least one other, and how many
groups of two or more came out. Cost: the median time of the chosen method on CLUSTER_MAX_FACES synthetic faces
(bench/scale_data.py's fitted generator, 5 photos a person). Results: bench/results/clustering.json.
"""

from __future__ import annotations

import numpy as np
from common import Stopwatch, conditions, log, save_result, setup_django, summary


def quality(identities: np.ndarray, labels: np.ndarray) -> dict:
    from sklearn.metrics import completeness_score

    labels = labels.copy()
    sizes = {label: int((labels == label).sum()) for label in np.unique(labels)}
    grouped = np.array([label >= 0 and sizes[label] >= 2 for label in labels])
    next_label = int(labels.max()) + 1
    for row in np.flatnonzero(~grouped):  # noise and singletons: groups of their own
        labels[row] = next_label
        next_label += 1
    groups = np.unique(labels[grouped])
    majority = sum(np.unique(identities[labels == group], return_counts=True)[1].max() for group in groups)
    return {
        "groups": len(groups),
        "grouped_share": float(grouped.mean()),
        "purity": float(majority / max(1, grouped.sum())),
        "completeness": float(completeness_score(identities, labels)),
    }


def main() -> None:
    setup_django("facelib_bench_api")
    from faces_data import facelib_embeddings
    from scale_data import FaceModel
    from sklearn.cluster import DBSCAN, HDBSCAN

    from facesets.selectors.clusters import CLUSTER_MAX_FACES, clusters_from_vectors
    from recognition.calibration import RAW_DECISION

    _, names, vectors = facelib_embeddings()
    identities = np.array(names)
    methods = {
        "agglomerative, average linkage (chosen)": lambda x: clusters_from_vectors(x, min_cosine=RAW_DECISION),
        "DBSCAN, min_samples 2": lambda x: DBSCAN(eps=1 - RAW_DECISION, min_samples=2, metric="cosine").fit_predict(x),
        "HDBSCAN, min_cluster_size 2": lambda x: HDBSCAN(min_cluster_size=2, metric="cosine", copy=True).fit_predict(x),
    }
    result = {"conditions": conditions(), "photos": len(identities), "people": len(set(names)), "methods": {}}
    result["people_with_two_or_more"] = int(sum(1 for name in set(names) if names.count(name) >= 2))
    for label, method in methods.items():
        result["methods"][label] = quality(identities, np.asarray(method(vectors)))
        log(f"{label}: {result['methods'][label]}")
    model = FaceModel.fit(vectors, names)
    synthetic, _ = model.sample(np.random.default_rng(3), identities=CLUSTER_MAX_FACES // 5, per_identity=5)
    times = []
    for _ in range(3):
        with Stopwatch() as watch:
            clusters_from_vectors(synthetic, min_cosine=RAW_DECISION)
        times.append(watch.ms)
    result["faces_at_limit"] = CLUSTER_MAX_FACES
    result["ms_at_limit"] = summary(times)
    log(f"{CLUSTER_MAX_FACES:,} synthetic faces: {result['ms_at_limit']['p50']:.0f} ms")
    log(f"wrote {save_result('clustering', result)}")


if __name__ == "__main__":
    main()
