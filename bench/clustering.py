"""Suggested persons (facesets.selectors.clusters): how well clustering groups the labelled photos by who they show,
the chosen method beside scikit-learn's alternatives, and what one run costs up to its size limit.

    .venv/bin/python bench/clustering.py

Quality, on the largest face of each labelled photo of ../shared/data/faces/ (100 photos of 33 people) at the
dashboard's "same person" threshold (0.93 on the Huawei scale): purity (the share of the grouped photos that belong to
their group's main person), completeness (scikit-learn's: 1.0 when each person's photos all land in one group; a
photo left out counts as a group of its own), the share of photos grouped with at least one other, and how many
groups of two or more came out. Scale, on synthetic faces (bench/scale_data.py's fitted generator, 5 photos a person):
at 5,000 and 20,000 faces, scikit-learn on the full matrix against the sparse path that one run uses beyond
EXACT_MAX_FACES (the adjusted Rand index of the two groupings: 1.0 when identical) with their times; the sparse
path's time and peak memory up to CLUSTER_MAX_FACES; and scikit-learn's own sparse mode (a k-nearest-neighbour
`connectivity` graph), which averages over the graph's edges only, for comparison. Each size runs in a process of its
own, so that its peak memory is its own. Results: bench/results/clustering.json.
"""

from __future__ import annotations

import numpy as np
from common import Stopwatch, conditions, log, save_result, setup_django


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


def _at_size(size: int) -> dict:
    """One size's figures, measured in a child process (its peak memory is then its own)."""
    import json
    import subprocess
    import sys

    child = subprocess.run(
        [sys.executable, __file__, "--size", str(size)], capture_output=True, text=True, check=True, timeout=3600
    )
    row = json.loads(child.stdout.strip().splitlines()[-1])
    log(f"{size:,} synthetic faces: {row}")
    return row


def measure_size(size: int) -> dict:
    """The sparse path (and, up to 20,000 faces, scikit-learn's full matrix and its kNN-connectivity mode) on `size`
    synthetic faces: times, peak memory of this process, and agreement with the full matrix / with the identities."""
    import resource

    from faces_data import facelib_embeddings
    from scale_data import FaceModel
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score, completeness_score, homogeneity_score
    from sklearn.neighbors import kneighbors_graph

    from facesets.selectors import clusters
    from recognition.calibration import RAW_DECISION

    _, names, vectors = facelib_embeddings()
    synthetic, identities = FaceModel.fit(vectors, names).sample(
        np.random.default_rng(3), identities=size // 5, per_identity=5
    )
    synthetic = (synthetic / np.linalg.norm(synthetic, axis=1, keepdims=True)).astype(np.float32)
    row: dict = {"faces": size}
    with Stopwatch() as watch:
        sparse = clusters._sparse_average_linkage(synthetic, min_cosine=RAW_DECISION, progress=clusters.quiet)
    row["sparse_ms"] = watch.ms
    row["sparse_exact"] = sparse.exact
    row["sparse_crowded_faces"] = sparse.crowded
    row["homogeneity"] = float(homogeneity_score(identities, sparse.labels))
    row["completeness"] = float(completeness_score(identities, sparse.labels))
    row["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    if size <= 20_000:
        full_clustering = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - RAW_DECISION
        )
        with Stopwatch() as watch:
            full = full_clustering.fit_predict(synthetic)
        row["full_matrix_ms"] = watch.ms
        row["full_matrix_peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        row["sparse_vs_full_ari"] = float(adjusted_rand_score(full, sparse.labels))
        graph = kneighbors_graph(synthetic, 30, metric="cosine", include_self=False)
        connected = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=1.0 - RAW_DECISION,
            connectivity=graph,
        ).fit_predict(synthetic)
        row["knn_connectivity_homogeneity"] = float(homogeneity_score(identities, connected))
        row["knn_connectivity_vs_full_ari"] = float(adjusted_rand_score(full, connected))
    return row


def main() -> None:
    setup_django("facelib_bench_api")
    from faces_data import facelib_embeddings
    from sklearn.cluster import DBSCAN, HDBSCAN

    from facesets.selectors.clusters import CLUSTER_MAX_FACES, clusters_from_vectors
    from recognition.calibration import RAW_DECISION

    _, names, vectors = facelib_embeddings()
    identities = np.array(names)
    methods = {
        "agglomerative, average linkage (chosen)": lambda x: clusters_from_vectors(x, min_cosine=RAW_DECISION).labels,
        "DBSCAN, min_samples 2": lambda x: DBSCAN(eps=1 - RAW_DECISION, min_samples=2, metric="cosine").fit_predict(x),
        "HDBSCAN, min_cluster_size 2": lambda x: HDBSCAN(min_cluster_size=2, metric="cosine", copy=True).fit_predict(x),
    }
    result = {"conditions": conditions(), "photos": len(identities), "people": len(set(names)), "methods": {}}
    result["people_with_two_or_more"] = int(sum(1 for name in set(names) if names.count(name) >= 2))
    for label, method in methods.items():
        result["methods"][label] = quality(identities, np.asarray(method(vectors)))
        log(f"{label}: {result['methods'][label]}")
    result["scale"] = [_at_size(size) for size in (5_000, 20_000, CLUSTER_MAX_FACES)]
    log(f"wrote {save_result('clustering', result)}")


if __name__ == "__main__":
    import json
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--size":
        setup_django("facelib_bench_api")
        print(json.dumps(measure_size(int(sys.argv[2]))))
    else:
        main()
