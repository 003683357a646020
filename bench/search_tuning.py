"""Before/after of the search changes on the largest face set `search_scale.py` left in `facelib_bench`.

    .venv/bin/python bench/search_tuning.py [--build-memory 4GB] [--queries 200]

Run after bench/search_scale.py (its last, largest set stays in the scratch database). It measures, on the same
faces and with the product's own code:

* the HNSW build again, dropped and rebuilt through ``face_set_index_ensure`` with ``FACELIB_HNSW_BUILD_MEMORY``
  set (maintenance_work_mem for the build's session), against the build time search_scale.py measured without it;
  the rebuild also builds the field indexes, as the product now does;
* the filtered searches through the product path with those field indexes (exact ground truth recomputed), and
  with a larger ef_search for the filtered walk, to show what each buys.

Results go to bench/results/search_tuning.json; the report puts them beside the search_scale figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import conditions, load_result, log, save_result, setup_django, summary
from search_scale import FILTERS, SCHEMA, Fitted, _quality, _run_queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--build-memory", default="", help="maintenance_work_mem for the rebuild (default: the product's estimate)"
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--filtered-ef", default="100,400", help="ef_search values for the filtered walk")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--database", default="facelib_bench")
    args = parser.parse_args()
    setup_django(args.database)
    from django.conf import settings
    from django.db import connection

    from facesets.filters import compile_filter_sql, parse_filter
    from facesets.models import FaceSet
    from facesets.search import drop_face_set_index
    from facesets.services.search_index import face_set_index_ensure

    face_set = FaceSet.objects.filter(project__name="bench", name__startswith="bench-").order_by("-face_count").first()
    size = face_set.face_count
    before = next((row for row in (load_result("search_scale") or {}).get("sizes", []) if row["faces"] == size), None)
    result = {"faces": size, "conditions_start": conditions(), "build_memory": args.build_memory}
    settings.FACELIB_HNSW_MIN_FACES = 1
    with connection.cursor() as cursor:  # the bench's own index from search_scale.py, replaced by the product's
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'bench\\_bucket\\_%%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')

    if not args.skip_rebuild:
        drop_face_set_index(face_set)
        FaceSet.objects.filter(pk=face_set.pk).update(vector_index="")
        notices: list[str] = []
        connection.ensure_connection()
        connection.connection.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
        from recognition.search import build_memory_mb

        if args.build_memory:
            settings.FACELIB_HNSW_BUILD_MEMORY = args.build_memory
        result["build_memory"] = args.build_memory or f"{build_memory_mb(size, 128)}MB (the product's estimate)"
        log(f"{size:,}: rebuilding HNSW + field indexes with maintenance_work_mem {result['build_memory']}")
        started = time.perf_counter()
        face_set_index_ensure(face_set_pk=face_set.pk)
        result["build_seconds"] = time.perf_counter() - started
        result["build_notices"] = notices[:5]
        result["build_seconds_before"] = before["build_seconds"] if before else None
        log(f"rebuilt in {result['build_seconds']:.0f} s (before: {result['build_seconds_before']})")
    face_set.refresh_from_db()

    rng = np.random.default_rng(77)
    fitted = Fitted()
    queries = fitted.queries_near_stored(face_set, args.queries, rng)
    result["filters"] = {}
    for name, text in FILTERS.items():
        if text is None:
            continue
        compiled = compile_filter_sql(parse_filter(text, SCHEMA))
        _, truth, _ = _run_queries(face_set, queries, compiled, exact=True)
        expected = [len(t) for t in truth]  # the exact search returns min(LIMIT, rows matching)
        rows = []
        for ef in (int(v) for v in args.filtered_ef.split(",")):
            settings.FACELIB_HNSW_EF_SEARCH = ef
            latencies, results, fallbacks = _run_queries(face_set, queries, compiled, exact=None)
            rows.append(
                {
                    "ef_search": ef,
                    "ms": summary(latencies),
                    "fallbacks": fallbacks,
                    **_quality(results, truth, expected),
                }
            )
            log(
                f"{name} ef {ef}: p50 {rows[-1]['ms']['p50']:.1f} p99 {rows[-1]['ms']['p99']:.1f} ms, recall@10 "
                f"{rows[-1]['recall_at_10']:.4f}"
            )
        result["filters"][name] = rows
    result["conditions_end"] = conditions()
    save_result("search_tuning", result)
    log("wrote bench/results/search_tuning.json")


if __name__ == "__main__":
    main()
