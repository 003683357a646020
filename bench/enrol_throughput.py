"""Worker throughput of enrolment alone: one task of N 640x480 photos into a face set, 1 or 2 worker processes.

    .venv/bin/python bench/enrol_throughput.py [--photos 200] [--workers 1,2] [--label after] [--repo PATH]
        [--pool prefork|solo]          (FACELIB_ENGINE_THREADS in the environment sets the threads per worker)

No client in the way (the task is submitted in-process, as the dashboard and import_faces do): photos/s from the
submit to the task's end, median of --rounds. ``--repo`` runs the workers from another checkout of FaceLib (e.g. a
``git worktree`` of an older commit) to measure a before/after on the same machine and database; results go to
bench/results/enrol_throughput.json under ``--label``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

import numpy as np
from common import REPO, conditions, load_result, log, save_result, setup_django
from stack import Stack, bench_photos, stack_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--label", default="after")
    parser.add_argument("--repo", default=None, help="run the workers from this checkout")
    parser.add_argument("--pool", default="prefork", choices=("prefork", "solo"), help="Celery pool of the workers")
    args = parser.parse_args()
    os.environ.update({k: v for k, v in stack_env().items() if k in ("CELERY_BROKER_URL", "FACELIB_QUEUE")})
    setup_django("facelib_bench_api")
    from facesets.models import FaceSet, Project, Task
    from facesets.services.enrolment import Photo, face_set_enrol_submit
    from facesets.services.library import face_set_create

    photos = [path.read_bytes() for path in bench_photos()]
    project, _ = Project.objects.get_or_create(name="bench")
    Project.objects.filter(pk=project.pk).update(max_face_sets=100, max_face_set_capacity=10_000_000)
    project.refresh_from_db()
    runs = {}
    for workers in (int(v) for v in args.workers.split(",")):
        rates = []
        with Stack(workers=workers, repo=args.repo, pool=args.pool):
            for round_ in range(args.rounds + 1):  # the first round warms the workers' models up
                FaceSet.objects.filter(project=project, name="throughput").delete()
                face_set = face_set_create(project=project, name="throughput", capacity=1_000_000)
                started = time.perf_counter()
                task = face_set_enrol_submit(
                    face_set=face_set,
                    photos=[Photo(name=f"p{i}.jpg", data=photos[i % len(photos)]) for i in range(args.photos)],
                    source="bench",
                )
                while task.status not in (Task.Status.DONE, Task.Status.FAILED):
                    time.sleep(0.05)
                    task.refresh_from_db(fields=["status", "result"])
                rate = args.photos / (time.perf_counter() - started)
                if round_:
                    rates.append(rate)
                log(f"{args.label}, {workers} worker(s), round {round_}: {rate:.1f} photos/s {task.result}")
        runs[str(workers)] = {"photos_per_s": float(np.median(rates)), "rounds": rates}
    result = load_result("enrol_throughput") or {}
    result[args.label] = {
        "photos": args.photos,
        "runs": runs,
        "commit": subprocess.run(
            ["git", "-C", args.repo or str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "pool": args.pool,
        "engine_threads": os.environ.get("FACELIB_ENGINE_THREADS", "auto"),
        "conditions": conditions(),
    }
    save_result("enrol_throughput", result)


if __name__ == "__main__":
    main()
