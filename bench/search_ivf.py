"""IVFFlat against HNSW on the largest face set `search_scale.py` left in `facelib_bench` (same faces, same queries).

    .venv/bin/python bench/search_ivf.py [--lists 1000] [--probes 10,20,40,80] [--queries 200]

Builds a partial IVFFlat index with the set's HNSW predicate, then (inside a transaction that hides the HNSW index
from the planner and is rolled back) measures the product's query shape at each ``ivfflat.probes``: p50/p99 latency
and recall@1 / recall@10 against exact search. Results go to bench/results/search_ivf.json.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import conditions, log, save_result, setup_django, summary
from search_scale import Fitted, _quality


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=int, default=1000)
    parser.add_argument("--probes", default="10,20,40,80")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database", default="facelib_bench")
    parser.add_argument("--keep", action="store_true", help="keep the IVFFlat index afterwards")
    args = parser.parse_args()
    setup_django(args.database)
    from django.db import connection, transaction

    from facesets.models import FaceSet
    from facesets.search import _face_set_query, face_set_search, index_name

    face_set = FaceSet.objects.filter(project__name="bench", name__startswith="bench-").order_by("-face_count").first()
    size = face_set.face_count
    result = {"faces": size, "lists": args.lists, "conditions_start": conditions()}
    rng = np.random.default_rng(77)
    fitted = Fitted()
    queries = fitted.queries_near_stored(face_set, args.queries, rng)
    log(f"{size:,}: exact ground truth for {len(queries)} queries")
    truth = [
        [m.face_pk for m in face_set_search(face_set=face_set, vector=q, model="synthetic", limit=10, exact=True)]
        for q in queries
    ]
    name = f"bench_ivf_{face_set.pk}"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("SET maintenance_work_mem = '2GB'")
        log(f"building IVFFlat lists={args.lists}")
        started = time.perf_counter()
        cursor.execute(
            f'CREATE INDEX "{name}" ON facesets_facesetmember USING ivfflat ((vector::vector(128)) vector_cosine_ops) '
            f"WITH (lists = {args.lists}) WHERE face_set_id = %s AND model = 'synthetic'",
            [face_set.pk],
        )
        result["build_seconds"] = time.perf_counter() - started
        cursor.execute("SELECT pg_relation_size(%s)", [name])
        result["index_mb"] = cursor.fetchone()[0] / 2**20
    log(f"built in {result['build_seconds']:.0f} s, {result['index_mb']:.0f} MB")
    result["probes"] = []
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f'DROP INDEX "{index_name(face_set.pk)}"')  # rolled back below
            for probes in (int(v) for v in args.probes.split(",")):
                with connection.cursor() as cursor:
                    cursor.execute("SET ivfflat.probes = %s", [probes])
                latencies, results = [], []
                for query in queries:
                    started = time.perf_counter()
                    matches = _face_set_query(face_set, query, "synthetic", 10, None, indexed=True)
                    latencies.append((time.perf_counter() - started) * 1000)
                    results.append([m.face_pk for m in matches])
                row = {"probes": probes, "ms": summary(latencies), **_quality(results, truth, [10] * len(queries))}
                result["probes"].append(row)
                log(
                    f"probes {probes}: p50 {row['ms']['p50']:.1f} p99 {row['ms']['p99']:.1f} ms, "
                    f"recall@1 {row['recall_at_1']:.3f} recall@10 {row['recall_at_10']:.4f}"
                )
            raise _Rollback
    except _Rollback:
        pass
    if not args.keep:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    result["conditions_end"] = conditions()
    save_result("search_ivf", result)


class _Rollback(Exception):
    pass


if __name__ == "__main__":
    main()
