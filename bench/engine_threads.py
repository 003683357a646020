"""How the engine's thread settings affect enrolment throughput with one and two worker processes.

    .venv/bin/python bench/engine_threads.py [--seconds 20]

Each worker process loads its own engine (as a Celery worker does) and runs ``FaceEngine.detect`` (detect, align,
quality, thumbnail, embed) on the 640x480 benchmark photos for a fixed time; photos/s summed over processes and
the per-photo median / p99 are reported for each configuration:

* ``current`` — the engine as configured in recognition/engine.py (SFace on OpenCV's DNN engine; OpenCV's thread
  count follows ``threads_now``: two threads on an otherwise idle machine, one when other threads hold the cores);
* ``SFace on ONNX Runtime, 2 threads`` — the engine before SFace moved to OpenCV: ONNX Runtime's intra-op pool of
  2 threads without busy-waiting, OpenCV's pool (YuNet) fixed at 2 threads;
* ``SFace on ONNX Runtime, 1 thread; cv2 1 thread`` — the same with one thread each.

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
    "SFace on ONNX Runtime, 2 threads; cv2 2 threads": {"ort_threads": 2, "cv2_threads": 2},
    "SFace on ONNX Runtime, 1 thread; cv2 1 thread": {"ort_threads": 1, "cv2_threads": 1},
}


def _worker(config: dict, photos: list[str], seconds: float, start_at: float, queue) -> None:
    # The engine first: it sets OpenCV's thread-pool settings before cv2 loads (its cv2 is the one used below).
    import recognition.engine as engine_module
    from recognition import modelfiles
    from recognition.imageio import decode_image

    cv2 = engine_module.cv2

    engine = engine_module.FaceEngine(pack="")
    engine.load()
    if config:
        import onnxruntime as ort
        from insightface.model_zoo.arcface_onnx import ArcFaceONNX

        model_file = str(modelfiles.cached_sface_model(fold=True))
        options = engine_module._session_options(config["ort_threads"])
        session = ort.InferenceSession(model_file, sess_options=options, providers=["CPUExecutionProvider"])
        recognizer = ArcFaceONNX(model_file=model_file, session=session)
        recognizer.input_mean, recognizer.input_std = 0.0, 1.0
        engine._recognizer = recognizer
        engine_module.threads_now = lambda configured: config["cv2_threads"]  # fixed, as before
        cv2.setNumThreads(config["cv2_threads"])
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
