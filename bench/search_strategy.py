"""Measure exact scan vs per-set HNSW for face-set search, to choose FACELIB_HNSW_MIN_FACES.

Runs the product's own search code (facesets.search.face_set_search) on a scratch database of the embedded
PostgreSQL (`facelib_bench`, created if missing), over synthetic face-like vectors: identities with several samples
each, noise set so that same-identity cosines sit around 0.65 and different identities around 0 (like SFace).

    .venv/bin/python bench/search_strategy.py --sizes 10000,50000,100000 --queries 200

Prints a markdown table: per size, p50/p99 latency of the search alone for exact and HNSW, the HNSW build time,
recall@1 (the right identity first) and recall@10 against the exact result. Medians and ratios, not single timings.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DIMENSIONS = 128
SAMPLES_PER_IDENTITY = 10
NOISE = 0.065


def _setup_django(database: str) -> None:
    port = os.environ.get("FACELIB_PG_PORT", "54329")
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:{port}/{database}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import psycopg

    admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=-1, keepdims=True)).astype(np.float32)


def _populate(face_set, size: int, rng: np.random.Generator) -> np.ndarray:
    """Insert `size` faces (COPY) into the face set; returns the identity centres."""
    from django.db import connection

    identities = size // SAMPLES_PER_IDENTITY
    centres = _unit(rng.normal(size=(identities, DIMENSIONS)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM facesets_face")
        first_id = cursor.fetchone()[0] + 1
        raw = cursor.connection
        with (
            raw.cursor() as pg,
            pg.copy(
                "COPY facesets_face (id, project_id, face_id, external_image_id, box_x, box_y, box_width, box_height,"
                " landmarks, detection_score, quality, created) FROM STDIN"
            ) as copy,
        ):
            for offset in range(size):
                face_pk = first_id + offset
                copy.write_row(
                    [
                        face_pk,
                        face_set.project_id,
                        f"b{face_pk:07d}"[-8:],
                        f"id{offset // SAMPLES_PER_IDENTITY}",
                        0,
                        0,
                        10,
                        10,
                        "[]",
                        1.0,
                        "{}",
                        "2026-01-01T00:00:00Z",
                    ]
                )
        with (
            raw.cursor() as pg,
            pg.copy(
                "COPY facesets_facesetmember (face_set_id, face_id, external_fields, model, vector, added) FROM STDIN"
            ) as copy,
        ):
            for start in range(0, size, 10_000):
                count = min(10_000, size - start)
                labels = np.arange(start, start + count) // SAMPLES_PER_IDENTITY
                vectors = _unit(centres[labels] + rng.normal(scale=NOISE, size=(count, DIMENSIONS)))
                for offset, vector in enumerate(vectors):
                    position = start + offset
                    copy.write_row(
                        [
                            face_set.pk,
                            first_id + position,
                            f'{{"bucket": {position}}}',
                            "synthetic",
                            "[" + ",".join(f"{value:.6f}" for value in vector) + "]",
                            "2026-01-01T00:00:00Z",
                        ]
                    )
        cursor.execute("SELECT setval('facesets_face_id_seq', (SELECT max(id) FROM facesets_face))")
        cursor.execute("ANALYZE facesets_facesetmember")
    face_set.face_count = size
    face_set.save(update_fields=["face_count"])
    return centres


def _measure(face_set, queries: np.ndarray, *, exact: bool) -> tuple[list[float], list[list[int]]]:
    from facesets.search import face_set_search

    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        matches = face_set_search(face_set=face_set, vector=query, model="synthetic", limit=10, exact=exact)
        latencies.append((time.perf_counter() - started) * 1000)
        results.append([match.face_pk for match in matches])
    return latencies, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000", help="comma-separated face-set sizes")
    parser.add_argument("--queries", type=int, default=200, help="queries per size")
    parser.add_argument("--database", default="facelib_bench", help="scratch database (dropped tables reused)")
    args = parser.parse_args()
    _setup_django(args.database)

    from django.conf import settings

    from facesets.models import Face, FaceSet, Project
    from facesets.services.search_index import face_set_index_ensure

    settings.FACELIB_HNSW_MIN_FACES = 1
    rng = np.random.default_rng(2026)
    project, _ = Project.objects.get_or_create(name="bench")
    print(
        "| faces | exact p50 ms | exact p99 ms | HNSW p50 ms | HNSW p99 ms | exact/HNSW p50 | HNSW build s "
        "| recall@1 identity (exact / HNSW) | HNSW recall@10 vs exact |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(value) for value in args.sizes.split(",")):
        FaceSet.objects.filter(project=project).delete()
        Face.objects.filter(project=project).delete()
        face_set = FaceSet.objects.create(project=project, name=f"bench-{size}", capacity=10_000_000)
        centres = _populate(face_set, size, rng)
        picks = rng.integers(0, len(centres), size=args.queries)
        queries = _unit(centres[picks] + rng.normal(scale=NOISE, size=(args.queries, DIMENSIONS)))
        first_pk = FaceSet.objects.get(pk=face_set.pk).members.order_by("face_id").values_list("face_id", flat=True)[0]
        _measure(face_set, queries[:5], exact=True)  # warm the cache
        exact_ms, exact_results = _measure(face_set, queries, exact=True)
        started = time.perf_counter()
        face_set_index_ensure(face_set_pk=face_set.pk)
        build_seconds = time.perf_counter() - started
        face_set.refresh_from_db()
        _measure(face_set, queries[:5], exact=False)
        hnsw_ms, hnsw_results = _measure(face_set, queries, exact=False)

        def identity(face_pk: int, first: int = first_pk) -> int:
            return (face_pk - first) // SAMPLES_PER_IDENTITY

        top1_exact = np.mean([identity(r[0]) == p for r, p in zip(exact_results, picks, strict=True)])
        top1_hnsw = np.mean([identity(r[0]) == p for r, p in zip(hnsw_results, picks, strict=True)])
        recall10 = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_results, hnsw_results, strict=True)])
        print(
            f"| {size:,} | {np.median(exact_ms):.1f} | {np.percentile(exact_ms, 99):.1f} | {np.median(hnsw_ms):.1f} "
            f"| {np.percentile(hnsw_ms, 99):.1f} | {np.median(exact_ms) / np.median(hnsw_ms):.1f}x "
            f"| {build_seconds:.1f} | {top1_exact:.3f} / {top1_hnsw:.3f} | {recall10:.3f} |",
            flush=True,
        )
        from facesets.search import drop_face_set_index

        drop_face_set_index(face_set)


if __name__ == "__main__":
    main()
