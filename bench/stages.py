"""Where the time of one enrolment goes: decode, detect, align, quality + thumbnail, embed, database.

    .venv/bin/python bench/stages.py [--repeat 50]

Runs the engine's own steps one by one (the same calls ``FaceEngine.detect`` makes, in the same order) on three
photos — the 640x480 ~200 KB benchmark photo, a median-sized labelled photo and the largest one — then stores the
result with ``face_set_enrol`` (image, face, embedding and face-set member rows, capacity lock, count) on the
``facelib_bench_api`` scratch database. ``--repeat`` passes, medians and p99 per stage; also the same embedding
done one face per ONNX call versus the batch call, on a group photo, to show what batching faces is worth.
"""

from __future__ import annotations

import argparse

import numpy as np
from common import Stopwatch, conditions, log, save_result, setup_django, summary
from faces_data import ALL_FORMATS, labelled

STAGES = ("decode", "detect", "align", "quality_thumbnail", "embed", "database")


def _one_photo(engine, data: bytes, face_set, store: bool) -> dict[str, float]:
    import cv2

    from facesets.services.faces import AnalysedImage, face_set_enrol
    from recognition import engine as engine_module
    from recognition.imageio import decode_image

    times = {}
    with Stopwatch() as watch:
        decoded = decode_image(data, formats=ALL_FORMATS, max_bytes=64 << 20)
    times["decode"] = watch.ms
    image = decoded.pixels
    with Stopwatch() as watch:
        boxes, landmarks, scores = engine._raw_detect(image)
    times["detect"] = watch.ms
    order = np.argsort([-(b[2] - b[0]) * (b[3] - b[1]) for b in boxes])[:1]  # the largest face, as `single` does
    with Stopwatch() as watch:
        crops = [engine_module._align(image, landmarks[i]) for i in order]
    times["align"] = watch.ms
    with Stopwatch() as watch:
        for i, crop in zip(order, crops, strict=True):
            gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
            engine_module._blur_score(gray), engine_module._illumination_score(gray)
            engine_module.head_pose(landmarks[i])
            x1, y1, x2, y2 = (int(v) for v in boxes[i])
            box = (x1, y1, x2 - x1, y2 - y1)
            engine_module._thumbnail(image, box)
    times["quality_thumbnail"] = watch.ms
    with Stopwatch() as watch:
        engine.embed_crops(crops)
    times["embed"] = watch.ms
    if store:
        faces = engine.detect(image, max_faces=1)  # the full objects for storing (not timed)
        analysed = AnalysedImage(image=decoded, faces=faces, model=engine.model_name)
        with Stopwatch() as watch:
            face_set_enrol(face_set=face_set, data=data, single=True, analysed=analysed)
        times["database"] = watch.ms
    with Stopwatch() as watch:
        engine.detect(image, max_faces=1)
    times["engine_detect_total"] = watch.ms
    return times


def _batching(engine, pixels: np.ndarray, repeat: int) -> dict:
    """Embedding every face of a group photo: one ONNX call for all versus one call per face."""
    faces = engine.detect(pixels, embed=False)
    from recognition import engine as engine_module

    crops = [engine_module._align(pixels, np.asarray(face.landmarks)) for face in faces]
    batched, single = [], []
    for _ in range(repeat):
        with Stopwatch() as watch:
            engine.embed_crops(crops)
        batched.append(watch.ms)
        with Stopwatch() as watch:
            for crop in crops:
                engine.embed_crops([crop])
        single.append(watch.ms)
    return {"faces": len(crops), "batched_ms": summary(batched), "per_face_calls_ms": summary(single)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    setup_django("facelib_bench_api")
    from stack import bench_photos

    from facesets.models import FaceSet
    from facesets.services.library import face_set_create
    from facesets.services.projects import project_get_or_create
    from recognition.engine import get_engine
    from recognition.imageio import decode_image

    engine = get_engine()
    project = project_get_or_create(name="bench")
    project.max_face_set_capacity = 10_000_000
    project.save(update_fields=["max_face_set_capacity"])
    FaceSet.objects.filter(project=project, name="stages").delete()
    face_set = face_set_create(project=project, name="stages", capacity=1_000_000)
    data_dir, rows = labelled()
    by_size = sorted(((data_dir / name).stat().st_size, name) for name, _ in rows)
    median, largest = by_size[len(by_size) // 2][1], by_size[-1][1]
    photos = {
        "640x480 JPEG": bench_photos()[0].read_bytes(),
        f"median labelled photo ({median})": (data_dir / median).read_bytes(),
        f"largest labelled photo ({largest})": (data_dir / largest).read_bytes(),
    }
    result = {"conditions_start": conditions(), "repeat": args.repeat, "photos": {}}
    for label, data in photos.items():
        pixels = decode_image(data, formats=ALL_FORMATS, max_bytes=64 << 20).pixels
        for _ in range(3):
            _one_photo(engine, data, face_set, store=False)  # warm-up
        runs = [_one_photo(engine, data, face_set, store=True) for _ in range(args.repeat)]
        stages = {key: summary(run[key] for run in runs) for key in runs[0]}
        total = sum(stages[key]["p50"] for key in STAGES)
        result["photos"][label] = {
            "bytes": len(data),
            "width": int(pixels.shape[1]),
            "height": int(pixels.shape[0]),
            "stages_ms": stages,
            "sum_of_medians_ms": total,
        }
        log(f"{label}: " + ", ".join(f"{key} {stages[key]['p50']:.1f}" for key in STAGES) + f" = {total:.1f} ms")
    group = sorted((data_dir / "groups").glob("*"))
    group_pixels = None
    for path in group:
        try:
            candidate = decode_image(path.read_bytes(), formats=ALL_FORMATS, max_bytes=64 << 20).pixels
        except Exception:
            continue
        if len(engine.detect(candidate, embed=False)) >= 5:
            group_pixels, result["batching_photo"] = candidate, path.name
            break
    if group_pixels is not None:
        result["batching"] = _batching(engine, group_pixels, args.repeat)
    result["conditions_end"] = conditions()
    save_result("stages", result)
    log("wrote bench/results/stages.json")


if __name__ == "__main__":
    main()
