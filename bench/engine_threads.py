"""How the engine's thread settings affect enrolment throughput with one and two worker processes.

    .venv/bin/python bench/engine_threads.py [--seconds 20]

Each worker process loads its own engine (as a Celery worker does) and runs ``FaceEngine.detect`` (detect, align,
quality, thumbnail, embed) on the 640x480 benchmark photos for a fixed time; photos/s summed over processes and
the per-photo median / p99 are reported for each configuration:

* ``current`` — the engine as configured in recognition/engine.py;
* ``ort 2 threads, spinning`` / ``ort 2 threads, no spinning`` / ``ort 1 thread`` — ONNX Runtime's intra-op pool
  (its threads busy-wait between operators by default, which on a shared or oversubscribed CPU burns the cycles the
  other worker needs), each with OpenCV's own pool (YuNet) at its default size or at 1 thread.

Results go to bench/results/engine_threads.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time

from common import conditions, log, save_result, summary

CONFIGS = {
    "current": {},
    "ort 2 threads, spinning; cv2 default": {"ort_threads": 2, "spin": True, "cv2_threads": None},
    "ort 2 threads, no spinning; cv2 default": {"ort_threads": 2, "spin": False, "cv2_threads": None},
    "ort 1 thread; cv2 1 thread": {"ort_threads": 1, "spin": False, "cv2_threads": 1},
}


def _worker(config: dict, photos: list[str], seconds: float, start_at: float, queue) -> None:
    import cv2

    import recognition.engine as engine_module
    from recognition.imageio import decode_image

    if config:
        original = engine_module._session_options

        def options():
            value = original()
            value.intra_op_num_threads = config["ort_threads"]
            value.add_session_config_entry("session.intra_op.allow_spinning", "1" if config["spin"] else "0")
            return value

        engine_module._session_options = options
        if config["cv2_threads"] is not None:
            cv2.setNumThreads(config["cv2_threads"])
    engine = engine_module.FaceEngine(pack="")
    engine.load()
    images = [decode_image(open(path, "rb").read()).pixels for path in photos]
    for image in images[:3]:
        engine.detect(image, max_faces=1)
    while time.time() < start_at:
        time.sleep(0.01)
    latencies = []
    deadline = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < deadline:
        begin = time.perf_counter()
        engine.detect(images[index % len(images)], max_faces=1)
        latencies.append((time.perf_counter() - begin) * 1000)
        index += 1
    queue.put(json.dumps(latencies))


def run(config: dict, processes: int, photos: list[str], seconds: float) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 15  # every process loaded and warm before the clock starts
    workers = [
        context.Process(target=_worker, args=(config, photos, seconds, start_at, queue)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    latencies = [json.loads(queue.get(timeout=seconds + 300)) for _ in workers]
    for worker in workers:
        worker.join()
    photos_done = sum(len(values) for values in latencies)
    return {
        "processes": processes,
        "photos_per_s": photos_done / seconds,
        "ms": summary(value for values in latencies for value in values),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds over the configurations")
    args = parser.parse_args()
    from stack import bench_photos

    photos = [str(path) for path in bench_photos()]
    result = {"conditions_start": conditions(), "seconds": args.seconds, "cpu_count": os.cpu_count(), "runs": []}
    for round_number in range(args.rounds):  # alternate, so a burst of load on the machine hits every config
        for name, config in CONFIGS.items():
            for processes in (1, 2):
                row = {"config": name, "round": round_number, **run(config, processes, photos, args.seconds)}
                result["runs"].append(row)
                log(
                    f"{name}, {processes} process(es): {row['photos_per_s']:.1f} photos/s, "
                    f"p50 {row['ms']['p50']:.0f} ms"
                )
                save_result("engine_threads", result)
    result["conditions_end"] = conditions()
    save_result("engine_threads", result)


if __name__ == "__main__":
    main()
