"""Synchronous API answers, before and after a change, in one run: where a request's time goes beyond the engine.

    .venv/bin/python bench/sync_latency.py --before REV [--requests 40] [--rounds 2]

REV (a commit) is checked out as a git worktree under var/bench/ and served by the same venv on the same benchmark
database (bench/stack.py: gunicorn 2x4 threads, one Celery worker with 2 processes), alternately with this checkout,
`--rounds` times each, so both meet the same machine state. Each serves Huawei detect, compare and search (a face set
of 10,000 faces, built once by this checkout and left to settle for two minutes, as a set enrolled earlier is) to one
client (`--requests` each, after a warm-up) and to 8 concurrent clients. The engine's own time for the same photos
(decode, detect, align, embed: `image_analyse`, in this process) is measured in the same run, so the answers can be
read as a multiple of it; so are two photos analysed at once in two worker-like processes (compare's reference: it
embeds its two photos in parallel) and the photos/s of two busy processes (the 8-client throughput's reference).
The references are measured once before the rounds and again in every round (between its two sides): the report
holds each round's answers against that round's references, as a shared machine's speed drifts within minutes.
Results: bench/results/sync_latency.json (`--name` for another: the report shows sync_latency_step as the last
step's own before/after).
"""

from __future__ import annotations

import argparse
import subprocess
import time

from common import CACHE, REPO, Stopwatch, conditions, log, save_result, setup_django, summary
from stack import Stack, api_setup, credential

# `git diff --quiet` over the code: the benchmarks' own output (results, report, plots) is not a change to it.
NOT_CODE = ("bench/results", "bench/REPORT.md", "bench/plots")
CODE_CHANGED = ["git", "diff", "--quiet", "--", ".", *(f":(exclude){path}" for path in NOT_CODE)]


def worktree(rev: str):
    sha = subprocess.check_output(["git", "rev-parse", "--short", rev], cwd=REPO, text=True).strip()
    path = CACHE / f"before-{sha}"
    if not path.exists():
        subprocess.check_call(["git", "worktree", "add", "--detach", str(path), sha], cwd=REPO)
    return sha, path


def engine_ms(photos: list[bytes]) -> dict:
    from facesets.services.faces import image_analyse

    for data in photos[:2]:
        image_analyse(data=data)
    times = []
    for _ in range(3):
        for data in photos:
            with Stopwatch() as watch:
                image_analyse(data=data)
            times.append(watch.ms)
    return summary(times)


_PHOTOS: list[bytes] = []


def _pool_start(photos: list[bytes]) -> None:
    """In each pool process: Django, the engine loaded and warm (as in a worker)."""
    setup_django("facelib_bench_api")
    from facesets.services.faces import image_analyse

    _PHOTOS[:] = photos
    for data in photos[:2]:
        image_analyse(data=data)


def _pool_analyse(index: int) -> float:
    from facesets.services.faces import image_analyse

    with Stopwatch() as watch:
        image_analyse(data=_PHOTOS[index % len(_PHOTOS)])
    return watch.ms


def engine_two_processes(photos: list[bytes], seconds: float = 8.0) -> dict:
    """What the two cores compute with two worker-like processes: the wall time of two photos analysed at once, one
    in each process (the reference for compare, which embeds its two photos in parallel), and photos/s when both
    processes are kept busy (the reference for throughput at 8 clients)."""
    import multiprocessing
    import time
    from concurrent.futures import ProcessPoolExecutor

    # Spawned, not forked: a fork of a process with ONNX Runtime's and OpenCV's threads running is not safe.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context, initializer=_pool_start, initargs=(photos,)) as pool:
        list(pool.map(_pool_analyse, range(4)))
        pairs = []
        for index in range(0, 3 * len(photos), 2):
            with Stopwatch() as watch:
                list(pool.map(_pool_analyse, (index, index + 1)))
            pairs.append(watch.ms)
        started, done = time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            done += len(list(pool.map(_pool_analyse, range(done, done + 8))))
        rate = done / (time.perf_counter() - started)
    return {"pair_ms": summary(pairs), "photos_per_s": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the commit to compare with (e.g. HEAD~3)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--name",
        default="sync_latency",
        help="result name: the report's main table reads sync_latency (the issue's before), sync_latency_step one step",
    )
    args = parser.parse_args()
    photos = api_setup()
    from api_bench import Clients, _search_set, latency

    from facesets.search import MEMORY_SETTLED_SECONDS

    sha, before_repo = worktree(args.before)
    after_sha = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, text=True).strip()
    started = conditions()
    with Stack(workers=2) as stack:
        face_set = _search_set(Clients(stack, credential()), photos)
    built = time.monotonic()
    # The engine's references first, then the set's rows are left to settle: a process keeps the rows that were
    # younger than MEMORY_SETTLED_SECONDS when it read them ranked by SQL until it reads them again (steady state is
    # what is measured here, as a set enrolled minutes ago is).
    engine = engine_ms(photos)
    engine_two = engine_two_processes(photos)
    time.sleep(max(0.0, MEMORY_SETTLED_SECONDS + 5 - (time.monotonic() - built)))
    runs: dict[str, list] = {"before": [], "after": []}
    references = []
    for round_number in range(args.rounds):
        for label, repo in (("before", before_repo), ("after", REPO)):
            log(f"round {round_number + 1}: {label}")
            with Stack(workers=2, repo=repo) as stack:
                runs[label].append(latency(stack, credential(), photos, [1, 8], args.requests, face_set=face_set))
            if label == "before":
                # The machine's speed drifts within minutes (a shared host): each round measures the engine again,
                # between its two sides, and the report holds each round's answers against its own references.
                references.append(
                    {"engine_ms": engine_ms(photos), "engine_two_processes": engine_two_processes(photos)}
                )
    result = {
        "before": sha,
        "after": after_sha + ("+changes" if subprocess.call(CODE_CHANGED, cwd=REPO) else ""),
        "requests": args.requests,
        "rounds": args.rounds,
        "engine_ms": engine,
        "engine_two_processes": engine_two,
        "references": references,
        "runs": runs,
        "conditions_start": started,
        "conditions_end": conditions(),
    }
    log(f"wrote {save_result(args.name, result)}")


if __name__ == "__main__":
    main()
