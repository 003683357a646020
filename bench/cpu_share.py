"""Where the CPU of a synchronous request goes when the two cores are busy: the benchmark stack (bench/stack.py:
gunicorn FACELIB_WEB_WORKERS x FACELIB_WEB_THREADS, 2x4 unless set; one Celery worker with 2 processes) serves Huawei
detect, search (the 10,000-face set of bench/sync_latency.py, built here when missing) and compare to 8 concurrent
SDK clients in this process, and the CPU time of each process group is read from the kernel before and after.

    .venv/bin/python bench/cpu_share.py [--requests 240] [--clients 8]

Groups: the clients (this process: the official SDK signing and encoding each request), the web server (gunicorn's
processes), the broker's consumer (Celery's main process), the workers (Celery's pool processes: the inference, the
search and their own bookkeeping), PostgreSQL (every process of FaceLib's cluster) and Redis. Per operation:
requests/s; photos/s (a comparison counts two) against what two worker-like processes analyse per second in the same
run, before and after the requests (the 8-client goal's reference, bench/sync_latency.py; their mean); CPU ms per
request by group; and the share the same requests would reach if the web server cost nothing (the other groups' CPU
unchanged). Results: bench/results/cpu_share.json.
"""

from __future__ import annotations

import argparse
import os

from common import REPO, conditions, log, save_result
from stack import Stack, api_setup, b64, credential, web_shape

GROUPS = ("clients", "web", "consumer", "workers", "postgres", "redis")


def _cpu_seconds(process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _groups(stack: Stack) -> dict[str, list]:
    """The processes of each group (psutil.Process), found now."""
    import psutil

    worker, web = (psutil.Process(process.pid) for process in stack.processes)  # Stack starts the worker first
    groups: dict[str, list] = {
        "clients": [psutil.Process()],
        "web": [web, *web.children(recursive=True)],
        "consumer": [worker],
        "workers": worker.children(recursive=True),
        "postgres": [],
        "redis": [],
    }
    pgdata = str(REPO / "var" / "pgdata")
    redis_port = os.environ.get("FACELIB_REDIS_PORT", "63790")
    for process in psutil.process_iter(["name", "cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "postgres" and pgdata in command:
            groups["postgres"] += [process, *process.children(recursive=True)]
        elif (process.info["name"] or "").startswith("redis-server") and f":{redis_port}" in command:
            groups["redis"].append(process)
    return groups


def _snapshot(groups: dict[str, list]) -> dict[str, float]:
    import psutil

    totals = {}
    for name, processes in groups.items():
        seconds = 0.0
        for process in processes:
            try:
                seconds += _cpu_seconds(process)
            except psutil.NoSuchProcess:  # a PostgreSQL backend that ended: its CPU is lost to the count (small)
                pass
        totals[name] = seconds
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=240, help="requests per operation")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    photos = api_setup()
    from api_bench import Clients, _load, search_set
    from huaweicloudsdkfrs.v2 import model as frs
    from sync_latency import engine_two_processes

    encoded = [b64(photo) for photo in photos]
    started = conditions()
    references = [engine_two_processes(photos)["photos_per_s"]]  # before and after the stack: the machine drifts
    result: dict = {"requests": args.requests, "clients": args.clients, "operations": {}}
    result["web"] = list(web_shape())
    with Stack(workers=2) as stack:
        clients = Clients(stack, credential())
        name = search_set(clients, photos)
        operations = {
            "detect": (
                1,
                lambda i: (
                    lambda c: c.detect_face_by_base64(
                        frs.DetectFaceByBase64Request(
                            body=frs.FaceDetectBase64Req(image_base64=encoded[i % len(encoded)])
                        )
                    )
                ),
            ),
            "search": (
                1,
                lambda i: (
                    lambda c: c.search_face_by_base64(
                        frs.SearchFaceByBase64Request(
                            face_set_name=name,
                            body=frs.FaceSearchBase64Req(image_base64=encoded[i % len(encoded)], top_n=10),
                        )
                    )
                ),
            ),
            "compare": (
                2,
                lambda i: (
                    lambda c: c.compare_face_by_base64(
                        frs.CompareFaceByBase64Request(
                            body=frs.FaceCompareBase64Req(
                                image1_base64=encoded[i % len(encoded)], image2_base64=encoded[(i + 1) % len(encoded)]
                            )
                        )
                    )
                ),
            ),
        }
        for operation, (photos_per_request, make) in operations.items():
            _load(clients, [make(i) for i in range(2 * args.clients)], args.clients)  # warm-up, every client
            groups = _groups(stack)  # after the warm-up: PostgreSQL's backends of the stack's connections included
            before = _snapshot(groups)
            run = _load(clients, [make(i) for i in range(args.requests)], args.clients)
            after = _snapshot(groups)
            done = args.requests - run["errors"]
            cpu_ms = {group: (after[group] - before[group]) * 1000.0 / max(1, done) for group in GROUPS}
            result["operations"][operation] = {
                "requests_per_s": run["requests_per_s"],
                "photos_per_request": photos_per_request,
                "errors": run["errors"],
                "seconds": run["seconds"],
                "cpu_ms": cpu_ms,
                "cpu_busy": sum(after[group] - before[group] for group in GROUPS) / run["seconds"],
            }
            log(
                f"{operation}: {run['requests_per_s']:.1f} req/s, CPU ms a request: "
                + ", ".join(f"{group} {ms:.1f}" for group, ms in cpu_ms.items())
            )
    references.append(engine_two_processes(photos)["photos_per_s"])
    result["references_photos_per_s"] = references
    result["reference_photos_per_s"] = sum(references) / len(references)
    result["cores"] = os.cpu_count()
    result["conditions_start"] = started
    result["conditions_end"] = conditions()
    log(f"wrote {save_result('cpu_share', result)}")


if __name__ == "__main__":
    main()
