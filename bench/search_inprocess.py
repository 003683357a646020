"""Search at a million faces in-process, side by side: HNSW graphs built by usearch (a maintained vector library)
with full, half and 8-bit precision vectors, with and without an exact re-rank, against the exact answer.

    .venv/bin/python bench/search_inprocess.py                    # 1,000,000 faces, 1,000 queries (~20 min a dtype)
    .venv/bin/python bench/search_inprocess.py --size 100000      # minutes

No PostgreSQL: the faces come from the same fitted generator as bench/search_scale.py (bench/scale_data.py, fitted
on the real SFace embeddings of shared/data/faces), the queries are new photos of enrolled people (a stored face plus
the fitted within-person noise), one query at a time in one thread, as a search request runs. For each
configuration: build time (2 threads), memory, the time to save, to load and to memory-map ("view") the saved index
(the recovery after a restart), p50 / p99 latency, and against the exact top 10:

* recall@10;
* right person first: the first result is a photo of the query's person, as often as for the exact answer;
* the person's photos: the share of the query's person's photos in the exact top 10 that come back.

"re-rank" rows take the graph's top ``--candidates`` and order them by the exact cosine of the full-precision vectors
(what the product does with the stored vectors): the order and scores are then exact, only membership is
approximate. Results go to bench/results/search_inprocess.json; bench/report.py renders them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from common import conditions, log, save_result, summary

LIMIT = 10


def _exact(vectors: np.ndarray, queries: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact top ``limit`` rows and cosines per query (numpy, in chunks)."""
    top = np.empty((len(queries), limit), dtype=np.int64)
    cos = np.empty((len(queries), limit), dtype=np.float32)
    for start in range(0, len(queries), 50):
        scores = queries[start : start + 50] @ vectors.T
        part = np.argpartition(-scores, limit, axis=1)[:, :limit]
        part_scores = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-part_scores, axis=1)
        top[start : start + 50] = np.take_along_axis(part, order, axis=1)
        cos[start : start + 50] = np.take_along_axis(part_scores, order, axis=1)
    return top, cos


def _quality(found: list[np.ndarray], truth: np.ndarray, labels: np.ndarray, query_labels: np.ndarray) -> dict:
    recall10 = np.mean([len(set(f.tolist()) & set(t.tolist())) / len(t) for f, t in zip(found, truth, strict=True)])
    first = np.mean([len(f) > 0 and labels[f[0]] == q for f, q in zip(found, query_labels, strict=True)])
    shares = []
    for f, t, q in zip(found, truth, query_labels, strict=True):
        own = {int(row) for row in t if labels[row] == q}
        if own:
            shares.append(len(own & set(f.tolist())) / len(own))
    return {
        "recall_at_10": float(recall10),
        "right_person_first": float(first),
        "persons_photos": float(np.mean(shares)),
    }


def _build(vectors: np.ndarray, dtype: str, m: int, ef_construction: int):
    from usearch.index import Index

    index = Index(ndim=vectors.shape[1], metric="cos", dtype=dtype, connectivity=m, expansion_add=ef_construction)
    started = time.perf_counter()
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, threads=2)
    return index, time.perf_counter() - started


def _persistence(index, folder: Path, name: str) -> dict:
    from usearch.index import Index

    path = folder / f"{name}.usearch"
    started = time.perf_counter()
    index.save(str(path))
    saved = time.perf_counter() - started
    started = time.perf_counter()
    loaded = Index.restore(str(path), view=False)
    load = time.perf_counter() - started
    del loaded
    started = time.perf_counter()
    viewed = Index.restore(str(path), view=True)
    view = time.perf_counter() - started
    return {"file_mb": path.stat().st_size / 2**20, "save_s": saved, "load_s": load, "view_s": view, "view": viewed}


def _run(index, queries, ef: int, vectors: np.ndarray | None, candidates: int) -> tuple[list[float], list]:
    index.expansion_search = ef
    timings, found = [], []
    count = candidates if vectors is not None else LIMIT
    for query in queries:
        started = time.perf_counter()
        keys = index.search(query, count, threads=1).keys
        if vectors is not None:
            keys = keys[np.argsort(-(vectors[keys] @ query))[:LIMIT]]
        timings.append((time.perf_counter() - started) * 1000)
        found.append(keys)
    return timings, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--m", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=128)
    parser.add_argument("--ef", default="64,100,150,200,300", help="expansion_search values")
    parser.add_argument("--dtypes", default="f32,f16,i8")
    parser.add_argument("--candidates", type=int, default=40, help="graph results re-ranked exactly")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import usearch
    from scale_data import identity_layout
    from search_scale import Fitted

    fitted = Fitted()
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    labels = identity_layout(args.size, rng)
    centres = fitted.model.centres(rng, int(labels.max()) + 1)
    spreads = fitted.model.spreads(rng, len(centres))
    vectors = np.empty((args.size, centres.shape[1]), dtype=np.float32)
    for start in range(0, args.size, 100_000):
        part = labels[start : start + 100_000]
        vectors[start : start + 100_000] = fitted.model.photos(rng, centres[part], spreads[part])
    picked = rng.choice(args.size, size=args.queries, replace=False)
    noise = fitted.model.within_scale * rng.standard_normal((args.queries, vectors.shape[1])) @ fitted.model.within.T
    queries = vectors[picked] + noise.astype(np.float32)
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    query_labels = labels[picked]
    log(f"generated {args.size:,} faces in {time.perf_counter() - started:.0f} s")
    truth, truth_cos = _exact(vectors, queries, LIMIT)
    exact_quality = _quality(list(truth), truth, labels, query_labels)
    timings = []
    for query in queries[:200]:
        begun = time.perf_counter()
        scores = vectors @ query
        part = np.argpartition(-scores, LIMIT)[:LIMIT]
        part[np.argsort(-scores[part])]
        timings.append((time.perf_counter() - begun) * 1000)
    result = {
        "size": args.size,
        "queries": args.queries,
        "limit": LIMIT,
        "library": f"usearch {usearch.__version__}",
        "m": args.m,
        "ef_construction": args.ef_construction,
        "candidates": args.candidates,
        "conditions": conditions(),
        "exact": {"quality": exact_quality, "latency_numpy_f32": summary(timings), "memory_mb": vectors.nbytes / 2**20},
        "own_photos_in_exact_top10": float(
            np.mean([np.sum(labels[t] == q) for t, q in zip(truth, query_labels, strict=True)])
        ),
        "configs": [],
    }
    log(f"exact: {exact_quality}, numpy scan p50 {np.median(timings):.1f} ms")
    name = "search_inprocess" if args.size >= 1_000_000 else "search_inprocess_small"
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parents[1] / "var") as folder:
        for dtype in args.dtypes.split(","):
            index, build = _build(vectors, dtype, args.m, args.ef_construction)
            memory = index.memory_usage / 2**20
            log(f"{dtype}: built in {build:.0f} s, {memory:.0f} MB")
            stored = _persistence(index, Path(folder), dtype)
            viewed = stored.pop("view")
            del index
            for ef in [int(v) for v in args.ef.split(",")]:
                for rerank in (False, True):
                    times, found = _run(viewed, queries, ef, vectors if rerank else None, args.candidates)
                    row = {
                        "dtype": dtype,
                        "ef_search": ef,
                        "rerank": rerank,
                        "latency": summary(times),
                        "quality": _quality(found, truth, labels, query_labels),
                        "build_s": build,
                        "memory_mb": memory,
                        **stored,
                    }
                    result["configs"].append(row)
                    save_result(name, result)  # after every configuration: a 1M build takes ~20 min per dtype
                    log(
                        f"{dtype} ef {ef} rerank {rerank}: p50 {row['latency']['p50']:.2f} p99 "
                        f"{row['latency']['p99']:.2f} ms {row['quality']}"
                    )
            del viewed
    result["conditions_end"] = conditions()
    save_result(name, result)


if __name__ == "__main__":
    main()
