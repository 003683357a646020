"""Where a search by photo spends its time beyond the engine: each stage of the Huawei search path, run one after the
other in this process on the benchmark's 10,000-face set (bench/sync_latency.py builds it), medians of `--repeat`.

    .venv/bin/python bench/search_trace.py [--repeat 40]

Stages: the engine (decode, detect the largest face, embed: what the worker's search does first), the face set's
lookup, the vector search both ways in the same iteration (PostgreSQL's exact scan, as every set below
FACELIB_HNSW_MIN_FACES was searched before, and the scan in the process's memory with PostgreSQL ranking its
candidates, as now; `same_answer` is the share of queries where both return the same faces in the same order), the
hydration of the hits (members, faces, persons), and the Huawei answer rendered from them. Web-process stages and
worker stages are both timed here, in one process, so their sum is the work a request does without its hand-offs
(Redis, Celery, HTTP); bench/sync_latency.py measures the whole request. Results: bench/results/search_trace.json.
"""

from __future__ import annotations

import argparse

from common import Stopwatch, conditions, log, save_result, setup_django, summary
from stack import bench_photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    setup_django("facelib_bench_api")
    from django.db import connection

    from facesets.api.huawei import serializers as wire
    from facesets.models import FaceSet
    from facesets.search import face_set_search
    from facesets.services.faces import image_analyse
    from facesets.services.runs import search_hits
    from recognition.calibration import huawei_similarity

    face_set = FaceSet.objects.filter(name="search-10k", project__name="bench").first()
    if face_set is None:
        raise SystemExit("no search-10k face set: run bench/sync_latency.py (or api_bench.py) once")
    photos = [path.read_bytes() for path in bench_photos()]
    stages: dict[str, list[float]] = {}
    agree: list[bool] = []  # from the fourth query on (the first three warm the caches)
    model = "sface-2021dec"

    class timed(Stopwatch):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def __exit__(self, *exc) -> None:
            super().__exit__(*exc)
            stages.setdefault(self.name, []).append(self.ms)

    for number in range(args.repeat + 3):
        if number == 3:
            stages.clear()  # the first rounds warm the caches
        photo = photos[number % len(photos)]
        with timed("engine (decode, detect, embed)"):
            analysed = image_analyse(data=photo, max_faces=1)
        vector, model = analysed.faces[0].embedding, analysed.model
        with timed("face set lookup"):
            found = FaceSet.objects.get(pk=face_set.pk)
        with timed("vector search: PostgreSQL's exact scan (before)"):
            exact = face_set_search(face_set=found, vector=vector, model=model, limit=10, exact=True)
        with timed("vector search: in memory (after)"):
            matches = face_set_search(face_set=found, vector=vector, model=model, limit=10)
        agree.append([m.member_pk for m in matches] == [m.member_pk for m in exact])
        with timed("hits hydrated"):
            hits = search_hits(project=found.project, matches=matches)
        with timed("Huawei answer"):
            faces = [
                {"member": hit.member, "similarity": huawei_similarity(hit.cosine), "fields": hit.fields}
                for hit in hits
            ]
            wire.HuaweiSearchResponseSerializer({"faces": faces}).data  # noqa: B018 (rendering is the work)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM facesets_facesetmember WHERE face_set_id = %s", [face_set.pk])  # noqa
        faces = cursor.fetchone()[0]
    result = {
        "faces": faces,
        "repeat": args.repeat,
        "stages": {name: summary(times) for name, times in stages.items()},
        "same_answer": sum(agree[3:]) / max(1, len(agree[3:])),
        "conditions": conditions(),
    }
    for name, figures in result["stages"].items():
        log(f"{name:34s} p50 {figures['p50']:7.2f} ms  p99 {figures['p99']:7.2f} ms")
    log(f"wrote {save_result('search_trace', result)}")


if __name__ == "__main__":
    main()
