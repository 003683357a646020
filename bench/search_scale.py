"""Search at scale: one face set of 10k, 100k and 1M synthetic SFace-like faces, searched by FaceLib's own code.

    .venv/bin/python bench/search_scale.py                 # 10k, 100k, 1M (about an hour on 2 cores)
    .venv/bin/python bench/search_scale.py --quick         # 10k and 50k, a few minutes
    .venv/bin/python bench/search_scale.py --sizes 1000000 # one size again; the other sizes' rows are kept

For each size, in one run on the scratch database ``facelib_bench``: COPY the faces in (bench/scale_data.py fits
the vectors on the real embeddings), then with ``facesets.search.face_set_search``:

* exact search (200 queries: new photos of enrolled identities) with no filter and with ``external_fields`` filters
  keeping 10 % (``bucket:[0 TO 99]``) and 0.1 % (``bucket:7``) of the faces — the ground truth;
* the set's HNSW index built by ``face_set_index_ensure`` (the product's build: CREATE INDEX CONCURRENTLY, m=32,
  ef_construction=128), timed;
* the product's search path (HNSW + iterative scan + exact fallback) for the same queries: p50/p99 latency,
  recall@1 and recall@10 against exact, how many results were complete and how often the exact fallback ran;
* an ef_search sweep (unfiltered), and the filtered searches without and with the field's expression index (the
  product builds it with the HNSW index since this benchmark; it is dropped for the "without" figures);
* the insert rate into the indexed set (one face per transaction, as enrolment does) and the size on disk.

Results go to bench/results/search_scale[_quick].json; bench/report.py renders them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import conditions, load_result, log, save_result, setup_django, summary

FILTERS = {"none": None, "10%": "bucket:[0 TO 99]", "0.1%": "bucket:7"}
SCHEMA = {"bucket": "integer"}
LIMIT = 10


def _reset(face_set_model, project) -> None:
    """Empty the scratch tables and drop the indexes earlier runs built (scratch database only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'facesets_facesetmember' "
            "AND (indexname LIKE 'fsm_hnsw_%%' OR indexname LIKE 'bench_%%')"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        cursor.execute("TRUNCATE facesets_facesetmember, recognition_embedding, facesets_face CASCADE")
    face_set_model.objects.filter(project=project).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE facesets_facesetmember")
    from facesets.search import graph_folder
    from recognition import graph as graphs

    graphs.remove(graph_folder(), "fs")  # the truncated sets' graph files (a product delete removes its own)


class FallbackCounter:
    """Counts how often the indexed query came back short and the exact query had to settle it."""

    def __init__(self) -> None:
        import facesets.search as search

        self.search = search
        self.original = search._face_set_query
        self.fallbacks = 0

    def __enter__(self) -> FallbackCounter:
        def counting(face_set, vector, model, limit, filter_sql, *, indexed, **options):
            if not indexed:
                self.fallbacks += 1
            return self.original(face_set, vector, model, limit, filter_sql, indexed=indexed, **options)

        self.search._face_set_query = counting
        return self

    def __exit__(self, *_: object) -> None:
        self.search._face_set_query = self.original


class Results(list):
    """Per query, the face pks found (best first); ``cosines`` holds their cosine similarities alongside."""

    def __init__(self) -> None:
        super().__init__()
        self.cosines: list[list[float]] = []


def _run_queries(face_set, queries, filter_sql, *, exact: bool | None) -> tuple[list[float], Results, int]:
    from facesets.search import face_set_search

    latencies, results = [], Results()
    with FallbackCounter() as counter:
        for query in queries:
            started = time.perf_counter()
            matches = face_set_search(
                face_set=face_set, vector=query, model="synthetic", limit=LIMIT, filter_sql=filter_sql, exact=exact
            )
            latencies.append((time.perf_counter() - started) * 1000)
            results.append([match.face_pk for match in matches])
            results.cosines.append([match.cosine for match in matches])
    fallbacks = counter.fallbacks if exact is None else 0
    return latencies, results, fallbacks


def _quality(results, truth, expected_counts, identity=None, picks=None) -> dict[str, float]:
    recall1 = np.mean([bool(r) and bool(t) and r[0] == t[0] for r, t in zip(results, truth, strict=True)])
    recall10 = np.mean([len(set(r) & set(t)) / max(1, len(t)) for r, t in zip(results, truth, strict=True)])
    complete = np.mean([len(r) == n for r, n in zip(results, expected_counts, strict=True)])
    quality = {"recall_at_1": float(recall1), "recall_at_10": float(recall10), "complete": float(complete)}
    if identity is not None:
        # What matters to a user: the right person first, and how many of the person's own photos in the exact top
        # 10 come back.
        quality["identity_at_1"] = float(
            np.mean([bool(r) and identity(r[0]) == p for r, p in zip(results, picks, strict=True)])
        )
        shares = []
        for r, t, p in zip(results, truth, picks, strict=True):
            own = {pk for pk in t if identity(pk) == p}
            if own:
                shares.append(len(own & set(r)) / len(own))
        quality["persons_photos"] = float(np.mean(shares)) if shares else float("nan")
    cosines = getattr(truth, "cosines", None)
    if cosines:
        # What a caller sees: the true top-10 faces at or above the default decision threshold (Huawei 0.93), found.
        from recognition.calibration import RAW_DECISION

        shares = []
        for r, t, c in zip(results, truth, cosines, strict=True):
            wanted = {pk for pk, cosine in zip(t, c, strict=True) if cosine >= RAW_DECISION}
            if wanted:
                shares.append(len(set(r) & wanted) / len(wanted))
        quality["recall_above_threshold"] = float(np.mean(shares)) if shares else float("nan")
        quality["queries_with_match_above_threshold"] = len(shares)
    return quality


def _sizes(face_set_pk: int, size: int) -> dict[str, float]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_table_size('facesets_facesetmember'), pg_indexes_size('facesets_facesetmember'),"
            " pg_total_relation_size('facesets_face'),"
            " coalesce((SELECT pg_relation_size(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            "   WHERE c.relname = %s), 0)",
            [f"fsm_hnsw_{face_set_pk}"],
        )
        member_table, member_indexes, face_total, hnsw = cursor.fetchone()
    per_million = 1e6 / size / 2**20
    return {
        "member_table_mb_per_million": member_table * per_million,
        "member_btree_indexes_mb_per_million": (member_indexes - hnsw) * per_million,
        "hnsw_index_mb_per_million": hnsw * per_million,
        "face_table_mb_per_million": face_total * per_million,
        "total_mb_per_million": (member_table + member_indexes + face_total) * per_million,
    }


def _insert_rate(face_set, model, centres, spreads, rng, count: int) -> dict:
    """Add `count` faces one transaction each through the ORM, as enrolment stores them, into the indexed set."""
    from django.db import transaction

    from facesets.models import Face, FaceSetMember

    picks = rng.integers(0, len(centres), size=count)
    vectors = model.photos(rng, centres[picks], spreads[picks])
    latencies = []
    started = time.perf_counter()
    for vector in vectors:
        begin = time.perf_counter()
        with transaction.atomic():
            face = Face.objects.create(
                project_id=face_set.project_id, box_x=0, box_y=0, box_width=10, box_height=10, detection_score=1.0
            )
            FaceSetMember.objects.create(
                face_set=face_set,
                face=face,
                model="synthetic",
                vector=vector.tolist(),
                external_fields={"bucket": int(rng.integers(0, 1000))},
            )
        latencies.append((time.perf_counter() - begin) * 1000)
    elapsed = time.perf_counter() - started
    # Taken out again: a later --reuse run measures the set as loaded, not with faces added near its queries.
    FaceSetMember.objects.filter(face_set=face_set, face__external_image_id="").delete()
    Face.objects.filter(project_id=face_set.project_id, external_image_id="", memberships__isnull=True).delete()
    return {"faces": count, "faces_per_s": count / elapsed, "ms": summary(latencies)}


def _build(face_set, size: int, row: dict) -> None:
    """The product's index build (face_set_index_ensure), timed, with PostgreSQL's notices kept."""
    from django.db import connection

    from facesets.services.search_index import face_set_index_ensure

    log(f"{size:,}: building the HNSW index (product path)")
    notices: list[str] = []
    connection.ensure_connection()
    connection.connection.add_notice_handler(lambda diagnostic: notices.append(diagnostic.message_primary))
    started = time.perf_counter()
    face_set_index_ensure(face_set_pk=face_set.pk)
    row["build_seconds"] = time.perf_counter() - started
    row["build_notices"] = notices[:5]


def _existing(project, fitted, rng, args):
    """The largest set a previous run left (``--reuse``): its labels and buckets read back, queries made from stored
    faces of randomly picked identities plus the fitted within-person noise (the centres were not kept)."""
    from django.db import connection

    from facesets.models import FaceSet

    face_set = FaceSet.objects.filter(project=project, name__startswith="bench-").order_by("-face_count").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.id, substr(f.external_image_id, 3)::int, (m.external_fields ->> 'bucket')::int "
            "FROM facesets_facesetmember m JOIN facesets_face f ON f.id = m.face_id WHERE m.face_set_id = %s "
            "AND f.external_image_id LIKE 'id%%' "
            "ORDER BY f.id",
            [face_set.pk],
        )
        rows = np.array(cursor.fetchall(), dtype=np.int64)
        first_pk, labels, buckets = int(rows[0, 0]), rows[:, 1], rows[:, 2]
        picks = rng.choice(np.unique(labels), size=args.queries, replace=False)
        first_of = {int(label): int(pk) for pk, label in zip(rows[::-1, 0], rows[::-1, 1], strict=True)}
        cursor.execute(
            "SELECT face_id, vector FROM facesets_facesetmember WHERE face_id = ANY(%s)",
            [[first_of[int(p)] for p in picks]],
        )
        stored = dict(cursor.fetchall())
    parse = lambda text: np.array(str(text).strip("[]").split(","), dtype=np.float32)  # noqa: E731  (vector text)
    centres = np.array([parse(stored[first_of[int(p)]]) for p in picks])
    spreads = np.ones(len(centres))
    queries = fitted.model.photos(rng, centres, spreads)
    return face_set, len(rows), centres, spreads, labels, first_pk, buckets, picks, queries


def _graph_measure(face_set, queries, compiled, truth, expected, identity, picks, args) -> dict:
    """The product's in-process graph: its build (face_set_graph_refresh: read the set from PostgreSQL, build,
    write), file size, the time a restarted process takes to map it again, and the product's search path through it
    (with the set's field indexes, which the product builds right after the graph) with and without filters; then
    an ef sweep. The pgvector figures below are measured with the graph turned off."""
    from django.conf import settings

    from facesets.search import face_set_field_indexes_build, face_set_graph
    from facesets.services.search_index import face_set_graph_refresh
    from recognition import graph as graphs

    settings.FACELIB_GRAPH = True
    log("graph: building (product path)")
    started = time.perf_counter()
    written = face_set_graph_refresh(face_set_pk=face_set.pk)
    block: dict = {"build_seconds": time.perf_counter() - started, "written": written}
    if args.reuse and written.get("state") == "patched":  # the file an earlier run built, patched: keep its build time
        block["patch_seconds"], block["build_seconds"] = block["build_seconds"], args.reuse_graph_build_seconds
    block["dtype"] = settings.FACELIB_GRAPH_DTYPE
    graph = face_set_graph(face_set, "synthetic")
    block["file_mb"] = graph.path.stat().st_size / 2**20
    reopen = []
    for _ in range(3):
        graphs.forget()
        begin = time.perf_counter()
        face_set_graph(face_set, "synthetic")
        reopen.append(time.perf_counter() - begin)
    block["reopen_seconds"] = summary(reopen)  # a restarted process: checksum read, then the file mapped
    face_set_field_indexes_build(face_set=face_set)
    _run_queries(face_set, queries, None, exact=None)  # warm: every query once
    for name in FILTERS:
        latencies, results, fallbacks = _run_queries(face_set, queries, compiled[name], exact=None)
        block[name] = {
            "ms": summary(latencies),
            "fallbacks": fallbacks,
            **_quality(results, truth[name], [expected[name]] * len(queries), identity, picks),
        }
        log(
            f"graph {name}: p50 {block[name]['ms']['p50']:.1f} ms p99 {block[name]['ms']['p99']:.1f}"
            f" recall@10 {block[name]['recall_at_10']:.4f} persons_photos {block[name]['persons_photos']:.4f}"
            f" fallbacks {fallbacks}"
        )
    default_ef = settings.FACELIB_GRAPH_EF_SEARCH
    block["ef_sweep"] = []
    for ef in args.graph_ef_sweep:
        settings.FACELIB_GRAPH_EF_SEARCH = ef
        for name in ("none", "10%"):
            latencies, results, _ = _run_queries(face_set, queries, compiled[name], exact=None)
            quality = _quality(results, truth[name], [expected[name]] * len(queries), identity, picks)
            block["ef_sweep"].append({"ef_search": ef, "filter": name, "ms": summary(latencies), **quality})
            log(f"graph ef {ef} {name}: p99 {block['ef_sweep'][-1]['ms']['p99']:.1f} {quality}")
    settings.FACELIB_GRAPH_EF_SEARCH = default_ef
    settings.FACELIB_GRAPH = False  # the pgvector paths below, as the product searched before the graph
    return block


def _measure_size(size, args, fitted, rng, project, progress=lambda row: None) -> dict:
    from django.conf import settings
    from django.db import connection

    from facesets.filters import compile_filter_sql, parse_filter
    from facesets.models import FaceSet

    if args.reuse:
        face_set, size, centres, spreads, labels, first_pk, buckets, picks, queries = _existing(
            project, fitted, rng, args
        )
        load_seconds = float("nan")
    else:
        _reset(FaceSet, project)
        face_set = FaceSet.objects.create(
            project=project, name=f"bench-{size}", capacity=10_000_000, field_schema=SCHEMA
        )
        log(f"{size:,} faces: loading")
        started = time.perf_counter()
        centres, spreads, labels, first_pk, buckets = fitted.load(face_set, size, rng)
        load_seconds = time.perf_counter() - started
        picks = rng.choice(np.unique(labels), size=args.queries, replace=False)
        queries = fitted.model.photos(rng, centres[picks], spreads[picks])
    compiled = {
        name: compile_filter_sql(parse_filter(text, SCHEMA)) if text else None for name, text in FILTERS.items()
    }
    kept = {"none": size, "10%": int((buckets < 100).sum()), "0.1%": int((buckets == 7).sum())}
    expected = {name: min(LIMIT, kept[name]) for name in FILTERS}
    identity = lambda face_pk: labels[face_pk - first_pk] if 0 <= face_pk - first_pk < size else -1  # noqa: E731
    row: dict = {
        "faces": size,
        "identities": int(labels.max()) + 1,
        "load_seconds": load_seconds,
        "copy_faces_per_s": size / load_seconds,
        "kept": kept,
        "conditions_start": conditions(),
    }

    log(f"{size:,}: exact searches")
    _run_queries(face_set, queries[:5], None, exact=True)  # warm the cache
    truth, row["exact"] = {}, {}
    for name in FILTERS:
        latencies, results, _ = _run_queries(face_set, queries, compiled[name], exact=True)
        truth[name] = results
        row["exact"][name] = {"ms": summary(latencies), **_quality(results, results, [expected[name]] * len(queries))}
    row["exact"]["none"]["identity_at_1"] = float(
        np.mean([identity(r[0]) == p for r, p in zip(truth["none"], picks, strict=True)])
    )

    row["graph"] = _graph_measure(face_set, queries, compiled, truth, expected, identity, picks, args)
    progress({**row, "partial": True})  # the pgvector build below takes most of an hour at 1M faces

    if args.reuse and face_set.vector_index:
        row["build_seconds"], row["build_notices"] = args.reuse_build_seconds, []
        log(f"{size:,}: reusing the HNSW index built earlier ({args.reuse_build_seconds} s)")
    else:
        _build(face_set, size, row)
    face_set.refresh_from_db()
    # The product builds the field indexes with the HNSW index; drop them to measure the search without them first
    # (before), then build them again below (after).
    from facesets.search import face_set_field_indexes_build, field_index_prefix

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE starts_with(indexname, %s)", [field_index_prefix(face_set.pk)]
        )
        for (index,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute("ANALYZE facesets_facesetmember")

    def hnsw_block(label: str) -> dict:
        block = {}
        for name in FILTERS:
            latencies, results, fallbacks = _run_queries(face_set, queries, compiled[name], exact=None)
            block[name] = {
                "ms": summary(latencies),
                "fallbacks": fallbacks,
                **_quality(results, truth[name], [expected[name]] * len(queries)),
            }
            if name == "none":
                block[name]["identity_at_1"] = float(
                    np.mean([identity(r[0]) == p for r, p in zip(results, picks, strict=True)])
                )
                block[name]["persons_photos"] = _quality(results, truth[name], [LIMIT] * len(results), identity, picks)[
                    "persons_photos"
                ]
            log(
                f"{size:,} {label} {name}: p50 {block[name]['ms']['p50']:.1f} ms p99 {block[name]['ms']['p99']:.1f}"
                f" recall@10 {block[name]['recall_at_10']:.4f} fallbacks {fallbacks}"
            )
        return block

    _run_queries(face_set, queries, None, exact=None)  # warm: every query once (a restarted server starts cold)
    row["hnsw"] = hnsw_block("hnsw")
    default_ef = settings.FACELIB_HNSW_EF_SEARCH
    row["ef_sweep"] = []
    for ef in args.ef_sweep:
        settings.FACELIB_HNSW_EF_SEARCH = ef
        latencies, results, _ = _run_queries(face_set, queries, None, exact=None)
        row["ef_sweep"].append(
            {"ef_search": ef, "ms": summary(latencies), **_quality(results, truth["none"], [LIMIT] * len(queries))}
        )
    settings.FACELIB_HNSW_EF_SEARCH = default_ef

    log(f"{size:,}: expression index on the filtered field (the product's field indexes)")
    started = time.perf_counter()
    face_set_field_indexes_build(face_set=face_set)
    row["expression_index_seconds"] = time.perf_counter() - started
    row["exact_with_expression_index"] = {}
    for name in ("10%", "0.1%"):
        latencies, results, _ = _run_queries(face_set, queries, compiled[name], exact=True)
        row["exact_with_expression_index"][name] = {
            "ms": summary(latencies),
            **_quality(results, truth[name], [expected[name]] * len(queries)),
        }
    row["hnsw_with_expression_index"] = {k: v for k, v in hnsw_block("hnsw+expr").items() if k != "none"}

    log(f"{size:,}: insert rate into the indexed set")
    row["sizes"] = _sizes(face_set.pk, size)
    row["insert_indexed"] = _insert_rate(face_set, fitted.model, centres, spreads, rng, args.inserts)
    row["conditions_end"] = conditions()
    return row


class Fitted:
    """The fitted generator plus the loader, so a run can be reproduced from its seed."""

    def __init__(self) -> None:
        from faces_data import facelib_embeddings
        from scale_data import FaceModel, pair_stats

        _, identities, vectors = facelib_embeddings()
        self.model = FaceModel.fit(vectors, identities)
        self.real = pair_stats(vectors, np.array(identities))
        synthetic, labels = self.model.sample(np.random.default_rng(11), identities=2000, per_identity=3)
        self.synthetic = pair_stats(synthetic, labels)

    def load(self, face_set, size, rng):
        from scale_data import load_face_set

        return load_face_set(face_set, self.model, size, rng)

    def queries_near_stored(self, face_set, count: int, rng) -> np.ndarray:
        """New photos of enrolled people: ``count`` stored faces of the set, picked at random, plus the fitted
        within-person noise (unit length)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vector FROM facesets_facesetmember WHERE face_set_id = %s ORDER BY random() LIMIT %s",
                [face_set.pk, count],
            )
            stored = np.array(
                [np.array(str(text).strip("[]").split(","), dtype=np.float32) for (text,) in cursor.fetchall()]
            )
        noise = self.model.within_scale * rng.standard_normal(stored.shape) @ self.model.within.T
        return (stored + noise) / np.linalg.norm(stored + noise, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10k and 50k faces, 100 queries")
    parser.add_argument("--sizes", default=None, help="comma-separated sizes (default 10000,100000,1000000)")
    parser.add_argument("--queries", type=int, default=None, help="queries per size (default 200; quick 100)")
    parser.add_argument("--inserts", type=int, default=300, help="single-face inserts into the indexed set")
    parser.add_argument(
        "--ef-sweep", default="40,60,80,100,120,150,200,300,400", help="ef_search values for the recall curve"
    )
    parser.add_argument(
        "--graph-ef-sweep", default="100,200,300,500,800", help="ef values of the in-process graph to sweep"
    )
    parser.add_argument("--database", default="facelib_bench", help="scratch database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the largest set a previous run left (no reload), replacing its row in the results",
    )
    parser.add_argument("--reuse-build-seconds", type=float, default=None, help="build time of its existing index")
    parser.add_argument(
        "--reuse-graph-build-seconds", type=float, default=None, help="build time of its existing graph file"
    )
    args = parser.parse_args()
    args.sizes = [int(v) for v in (args.sizes or ("10000,50000" if args.quick else "10000,100000,1000000")).split(",")]
    args.queries = args.queries or (100 if args.quick else 200)
    args.ef_sweep = [int(v) for v in args.ef_sweep.split(",")]
    args.graph_ef_sweep = [int(v) for v in args.graph_ef_sweep.split(",")]
    setup_django(args.database)

    from django.conf import settings

    from facesets.models import Project
    from recognition.search import EF_SEARCH_BY_SIZE

    settings.FACELIB_HNSW_MIN_FACES = 1  # index every size, to compare (the product scans below 20,000 exactly)
    fitted = Fitted()
    project, _ = Project.objects.get_or_create(name="bench")
    rng = np.random.default_rng(2026)
    name = "search_scale_quick" if args.quick else "search_scale"
    result = {
        "database": args.database,
        "queries": args.queries,
        "limit": LIMIT,
        "filters": FILTERS,
        "settings": {
            "m": settings.FACELIB_HNSW_M,
            "ef_construction": settings.FACELIB_HNSW_EF_CONSTRUCTION,
            "ef_search": settings.FACELIB_HNSW_EF_SEARCH
            or "by size: "
            + ", ".join(f"{ef} up to {most:,} faces" if most else f"{ef} above" for most, ef in EF_SEARCH_BY_SIZE),
            "hnsw_min_faces_in_product": 20_000,
        },
        "fit": {
            "real": fitted.real,
            "synthetic": fitted.synthetic,
            "within_scale": fitted.model.within_scale,
            "between_scale": fitted.model.between_scale,
        },
        "sizes": [],
    }
    if args.reuse:  # one row, measured on the set in place, into the stored results
        result = load_result(name) or result
        row = _measure_size(0, args, fitted, rng, project)
        row["reused"] = True
        loaded = next((r for r in result["sizes"] if r["faces"] == row["faces"] and "load_seconds" in r), None)
        if loaded is not None:  # the set was loaded by the run that left it: its load rate is that run's
            row["load_seconds"], row["copy_faces_per_s"] = loaded["load_seconds"], loaded["copy_faces_per_s"]
            # ... and its graph figures, with its own queries (another draw): how much recall varies between them
            first = loaded.get("graph_first_queries") or (None if loaded.get("reused") else loaded.get("graph"))
            if first:
                row["graph_first_queries"] = first
        result["sizes"] = sorted(
            [r for r in result["sizes"] if r["faces"] != row["faces"]] + [row], key=lambda r: r["faces"]
        )
        save_result(name, result)
        args.sizes = []
    # The sizes this run does not measure keep their stored rows (each row names its own conditions): `--sizes
    # 1000000` measures the largest set again and leaves the others as they were.
    others = [row for row in (load_result(name) or {}).get("sizes", []) if row["faces"] not in args.sizes]
    measured: list[dict] = []

    def rows(*extra: dict) -> list[dict]:
        return sorted([*others, *measured, *extra], key=lambda row: row["faces"])

    for size in args.sizes:

        def progress(row: dict) -> None:
            save_result(name, {**result, "sizes": rows(row)})

        measured.append(_measure_size(size, args, fitted, rng, project, progress))
        result["sizes"] = rows()
        save_result(name, result)  # after every size: a long run keeps what it measured
    log(f"wrote bench/results/{name}.json")


if __name__ == "__main__":
    main()
