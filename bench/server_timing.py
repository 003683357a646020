"""Where one synchronous API request's time goes, stage by stage, as the server itself reports it: the benchmark
stack (bench/stack.py: gunicorn 2x4 threads, one Celery worker with 2 processes) serves Huawei detect, compare and
search (the 10,000-face set of bench/sync_latency.py, built here when missing) to one client through the official
SDK, with FACELIB_SERVER_TIMING on; each answer's Server-Timing header (facesets/timing.py) gives the stages.

    .venv/bin/python bench/server_timing.py [--requests 40]

Per operation: the medians of each stage, of the server's total and of the request as the client timed it (the
difference is the HTTP exchange and the SDK's own work: signing, JSON); the engine's own time for the same photos in
this process (decode, detect, embed) for scale. Results: bench/results/server_timing.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time

from common import Stopwatch, conditions, log, save_result
from stack import Stack, api_setup, b64, bench_photos, credential

_last = threading.local()


def _timed_client(stack: Stack, cred: dict):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.http.http_handler import HttpHandler
    from huaweicloudsdkfrs.v2 import FrsClient

    def keep(**kwargs):
        _last.header = kwargs["response"].headers.get("Server-Timing", "")

    credentials = BasicCredentials(cred["access_key"], cred["secret_key"], cred["project_id"])
    handler = HttpHandler().add_response_handler(keep)
    return (
        FrsClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([stack.url])
        .with_http_handler(handler)
        .build()
    )


def parse(header: str) -> dict[str, float]:
    stages = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        if name and duration:
            stages[name] = float(duration)
    return stages


def after_pause(pause_s: float, repeat: int = 60) -> dict[str, float]:
    """Medians (ms) of a few steps a request makes, run back to back and each after a pause of ``pause_s`` (about
    how long a request's web process waits for its worker, and a worker for its next call): a PostgreSQL round trip,
    a Redis round trip, a Python step (parsing a 20 KB JSON document) and the engine on one photo."""
    import json

    from django.db import connection

    from facesets.services.calls import client
    from facesets.services.faces import image_analyse

    photo = bench_photos()[0].read_bytes()
    document = json.dumps([{"face_id": f"{i:08d}", "box": [i, i, 100, 100], "fields": {"id": i}} for i in range(300)])
    redis = client()
    cursor = connection.cursor()
    steps = {
        "postgresql": lambda: cursor.execute("SELECT 1"),
        "redis": redis.ping,
        "python": lambda: json.loads(document),
        "engine": lambda: image_analyse(data=photo, thumbnails=False),
    }
    result = {}
    for name, step in steps.items():
        for _ in range(5):
            step()
        for label, pause in (("hot", 0.0), ("after_pause", pause_s)):
            times = []
            for _ in range(repeat if name != "engine" else repeat // 2):
                time.sleep(pause)
                with Stopwatch() as watch:
                    step()
                times.append(watch.ms)
            result[f"{name}_{label}"] = statistics.median(times)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pool", choices=["prefork", "solo"], default="prefork", help="bench/stack.py's worker pool")
    args = parser.parse_args()
    os.environ["FACELIB_SERVER_TIMING"] = "1"
    photos = api_setup()
    from api_bench import Clients, search_set
    from huaweicloudsdkfrs.v2 import model as frs
    from sync_latency import engine_ms

    encoded = [b64(photo) for photo in photos]
    started = conditions()
    result: dict = {"requests": args.requests, "pool": args.pool, "operations": {}}
    with Stack(workers=2, pool=args.pool) as stack:
        cred = credential()
        name = search_set(Clients(stack, cred), photos)
        client = _timed_client(stack, cred)
        operations = {
            "detect": lambda i: client.detect_face_by_base64(
                frs.DetectFaceByBase64Request(body=frs.FaceDetectBase64Req(image_base64=encoded[i % len(encoded)]))
            ),
            "search": lambda i: client.search_face_by_base64(
                frs.SearchFaceByBase64Request(
                    face_set_name=name,
                    body=frs.FaceSearchBase64Req(image_base64=encoded[i % len(encoded)], top_n=10),
                )
            ),
            "compare": lambda i: client.compare_face_by_base64(
                frs.CompareFaceByBase64Request(
                    body=frs.FaceCompareBase64Req(
                        image1_base64=encoded[i % len(encoded)], image2_base64=encoded[(i + 1) % len(encoded)]
                    )
                )
            ),
        }
        for operation, call in operations.items():
            for i in range(4):  # warm-up
                call(i)
            stages: dict[str, list[float]] = {}
            client_ms: list[float] = []
            for i in range(args.requests):
                with Stopwatch() as watch:
                    call(i)
                client_ms.append(watch.ms)
                for stage, ms in parse(_last.header).items():
                    stages.setdefault(stage, []).append(ms)
            medians = {stage: statistics.median(values) for stage, values in stages.items()}
            medians["client"] = statistics.median(client_ms)
            result["operations"][operation] = medians
            log(f"{operation}: " + ", ".join(f"{stage} {ms:.1f}" for stage, ms in medians.items()))
    result["engine_ms"] = engine_ms(photos)
    result["pause_s"] = 0.04
    result["after_pause"] = after_pause(result["pause_s"])
    result["conditions_start"] = started
    result["conditions_end"] = conditions()
    log(f"wrote {save_result('server_timing', result)}")


if __name__ == "__main__":
    main()
