"""Recognition accuracy on shared/data/faces, FaceLib side by side with `face_recognition` (dlib), in one run.

    .venv/bin/python bench/accuracy.py [--data ../shared/data/faces] [--repeat 3]

Both systems see the same decoded pixels of the same 100 labelled photos (labels.csv + more_people/, 33 identities;
decoded once with FaceLib's EXIF-aware decoder, so a rotated phone photo is upright for both) and keep the largest
face of each photo:

* FaceLib: ``FaceEngine.detect(max_faces=1)`` — YuNet at 640 px, align, SFace, plus quality and thumbnail, as
  enrolment runs it; score = cosine similarity.
* face_recognition 1.3.0 as its README uses it: ``face_locations`` (HOG, upsample 1), then ``face_encodings``
  (dlib ResNet, 5-point alignment); score = -euclidean distance, its documented tolerance 0.6. The photo is first
  shrunk to at most 1600 px on its longest side (``--peer-max-side``; on the full 12-32 MP phone photos HOG with
  upsample 1 takes minutes per photo, which nobody would ship), and in a second configuration to 640 px, like
  FaceLib's own detector input, which is how one would make it fast.

Per-photo time is detect + embed (decoding is shared and timed separately), measured interleaved photo by photo,
``--repeat`` times, median / p99 reported. Accuracy: rank-1 identification (the first photo of each identity with
two or more is enrolled, the others query), verification over all pairs (best-threshold accuracy, TAR at FAR 1e-3,
equal error rate), and pairs.csv at each system's documented threshold. A photo in which a system finds no face
counts as an error for that system.
"""

from __future__ import annotations

import argparse
import csv

import numpy as np
from common import Stopwatch, conditions, log, save_result, summary
from faces_data import ALL_FORMATS, labelled

PEER = "face_recognition (dlib)"


def _facelib(engine, pixels) -> np.ndarray | None:
    faces = engine.detect(pixels, max_faces=1)
    return faces[0].embedding if faces else None


def _dlib(pixels, max_side: int | None) -> np.ndarray | None:
    import cv2
    import face_recognition

    rgb = np.ascontiguousarray(pixels[:, :, ::-1])
    if max_side is not None and max(rgb.shape[:2]) > max_side:
        scale = max_side / max(rgb.shape[:2])
        rgb = cv2.resize(rgb, (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    locations = face_recognition.face_locations(rgb)
    if not locations:
        return None
    largest = max(locations, key=lambda box: (box[2] - box[0]) * (box[1] - box[3]))
    return np.asarray(face_recognition.face_encodings(rgb, [largest])[0], dtype=np.float32)


def _scores(system: str, vectors: np.ndarray) -> np.ndarray:
    """Pairwise similarity, larger = more alike: cosine for FaceLib, -euclidean distance for dlib."""
    if system == "facelib":
        return vectors @ vectors.T
    diff = vectors[:, None, :] - vectors[None, :, :]
    return -np.linalg.norm(diff, axis=-1)


def evaluate(system: str, names, identities, embeddings: dict, pairs, threshold: float) -> dict:
    """Rank-1, verification and pairs.csv figures of one system (a photo without a face counts as an error)."""
    found = [n for n in names if embeddings.get(n) is not None]
    result = {"photos": len(names), "faces_found": len(found)}
    identity = dict(zip(names, identities, strict=True))
    vectors = np.stack([embeddings[n] for n in found])
    sims = _scores(system, vectors)
    index = {n: i for i, n in enumerate(found)}

    # Rank-1 identification: first photo of each identity with >= 2 photos that has a face is enrolled.
    by_identity: dict[str, list[str]] = {}
    for name in names:
        by_identity.setdefault(identity[name], []).append(name)
    gallery, probes = {}, []
    for person, photos in by_identity.items():
        if len(photos) < 2:
            continue
        enrolled = next((p for p in photos if p in index), None)
        if enrolled is not None:
            gallery[person] = enrolled
        probes.extend(p for p in photos if p != enrolled)
    gallery_people = list(gallery)
    gallery_rows = [index[gallery[p]] for p in gallery_people]
    correct = 0
    for probe in probes:
        if probe in index:
            best = int(np.argmax(sims[index[probe], gallery_rows]))
            correct += gallery_people[best] == identity[probe]
    result.update(rank1=correct / len(probes), probes=len(probes), gallery=len(gallery_people))

    # Verification over every pair of photos (pairs with a faceless photo: wrong at any threshold).
    upper = np.triu_indices(len(found), 1)
    same = np.array([identity[found[i]] == identity[found[j]] for i, j in zip(*upper, strict=True)])
    genuine, impostor = sims[upper][same], sims[upper][~same]
    all_same = sum(len(v) * (len(v) - 1) // 2 for v in by_identity.values())
    all_pairs = len(names) * (len(names) - 1) // 2
    missing_genuine = all_same - len(genuine)
    missing_impostor = (all_pairs - all_same) - len(impostor)
    candidates = np.unique(np.concatenate([genuine, impostor]))
    best_accuracy, best_threshold = 0.0, float(candidates[0])
    for t in (candidates[:-1] + candidates[1:]) / 2:
        right = np.sum(genuine >= t) + np.sum(impostor < t)
        accuracy = right / all_pairs
        if accuracy > best_accuracy:
            best_accuracy, best_threshold = float(accuracy), float(t)
    far_threshold = float(np.quantile(impostor, 1 - 1e-3))
    tar = float(np.sum(genuine > far_threshold) / all_same)
    frr = np.array([np.sum(genuine < t) + missing_genuine for t in candidates]) / all_same
    far = np.array([np.sum(impostor >= t) for t in candidates]) / (len(impostor) + missing_impostor)
    eer_at = int(np.argmin(np.abs(frr - far)))
    result.update(
        genuine_pairs=all_same,
        impostor_pairs=all_pairs - all_same,
        verification_accuracy=best_accuracy,
        verification_threshold=best_threshold,
        tar_at_far_1e3=tar,
        far_1e3_threshold=far_threshold,
        eer=float((frr[eer_at] + far[eer_at]) / 2),
        genuine_scores=[round(float(x), 4) for x in genuine],
        impostor_scores=[round(float(x), 4) for x in impostor],
    )

    # pairs.csv at the system's documented threshold.
    right = 0
    for row in pairs:
        a, b = row["file_a"], row["file_b"]
        if a in index and b in index:
            right += (sims[index[a], index[b]] >= threshold) == (row["same_person"] == "yes")
    result.update(pairs_csv_accuracy=right / len(pairs), pairs_csv=len(pairs), documented_threshold=threshold)
    return result


def dialect_thresholds(genuine: list[float], impostor: list[float]) -> list[dict]:
    """Each dialect's documented threshold as a raw cosine, with the FAR / FRR it gives on these pairs."""
    from recognition.calibration import FACEPP_THRESHOLDS, raw_cosine_for

    marks = [
        ("Huawei similarity 0.93", "huawei", 0.93),
        ("Baidu score 80", "baidu", 80.0),
        ("SenseTime confidence 0.6 (FAR 1e-3)", "sensetime", 0.6),
        ("SenseTime confidence 0.7 (FAR 1e-4)", "sensetime", 0.7),
    ]
    marks += [
        (f"Face++ confidence {value} (FAR {level})", "facepp", value) for level, value in FACEPP_THRESHOLDS.items()
    ]
    genuine_array, impostor_array = np.array(genuine), np.array(impostor)
    rows = []
    for label, dialect, score in marks:
        raw = raw_cosine_for(dialect, score)
        rows.append(
            {
                "label": label,
                "dialect": dialect,
                "score": score,
                "raw_cosine": raw,
                "far": float(np.mean(impostor_array >= raw)),
                "frr": float(np.mean(genuine_array < raw)),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="shared faces data folder")
    parser.add_argument("--repeat", type=int, default=1, help="timing passes over the photos (each photo is a sample)")
    parser.add_argument("--no-peer-640", action="store_true", help="skip the peer at 640 px")
    parser.add_argument(
        "--peer-max-side",
        type=int,
        default=1600,
        help="shrink photos to this longest side for the peer's main run (0: full size; HOG with "
        "upsample 1 on the 12-32 MP phone photos takes minutes per photo)",
    )
    args = parser.parse_args()
    from recognition.calibration import RAW_DECISION
    from recognition.engine import FaceEngine
    from recognition.imageio import decode_image

    folder, rows = labelled(args.data)
    names = [name for name, _ in rows]
    identities = [identity for _, identity in rows]
    with open(folder / "pairs.csv", newline="") as handle:
        pairs = list(csv.DictReader(handle))
    engine = FaceEngine(pack="")
    engine.load()
    import face_recognition  # noqa: F401  (loads dlib's models once, outside the timings)

    systems = {"facelib": lambda px: _facelib(engine, px), "peer": lambda px: _dlib(px, args.peer_max_side or None)}
    if not args.no_peer_640:
        systems["peer_640"] = lambda px: _dlib(px, 640)
    embeddings = {key: {} for key in systems}
    timings = {key: [] for key in systems}
    decode_ms, sizes = [], []
    started = conditions()
    log(f"accuracy: {len(names)} photos x {len(systems)} systems x {args.repeat} passes")
    for repeat in range(args.repeat):
        for position, name in enumerate(names):
            data = (folder / name).read_bytes()
            with Stopwatch() as watch:
                pixels = decode_image(data, formats=ALL_FORMATS, max_bytes=64 << 20).pixels
            decode_ms.append(watch.ms)
            if repeat == 0:
                sizes.append(max(pixels.shape[:2]))
            order = list(systems) if (position + repeat) % 2 == 0 else list(reversed(systems))  # interleave
            for key in order:
                with Stopwatch() as watch:
                    vector = systems[key](pixels)
                timings[key].append(watch.ms)
                embeddings[key][name] = vector
            if position % 20 == 19:
                log(f"pass {repeat + 1}: {position + 1} photos")
        log(f"pass {repeat + 1}/{args.repeat} done")
    thresholds = {"facelib": RAW_DECISION, "peer": -0.6, "peer_640": -0.6}
    result = {
        "conditions_start": started,
        "conditions_end": conditions(),
        "repeat": args.repeat,
        "photos": len(names),
        "identities": len(set(identities)),
        "photo_longest_side": summary(sizes),
        "decode_ms": summary(decode_ms),
        "systems": {},
    }
    for key in systems:
        figures = evaluate(
            key if key == "facelib" else "peer", names, identities, embeddings[key], pairs, thresholds[key]
        )
        figures["ms_per_photo"] = summary(timings[key])
        result["systems"][key] = figures
        log(
            f"{key}: rank-1 {figures['rank1']:.3f}, verification {figures['verification_accuracy']:.4f}, "
            f"TAR@FAR1e-3 {figures['tar_at_far_1e3']:.3f}, {figures['ms_per_photo']['p50']:.0f} ms/photo"
        )
    facelib = result["systems"]["facelib"]
    result["dialect_thresholds"] = dialect_thresholds(facelib["genuine_scores"], facelib["impostor_scores"])
    result["speedup_vs_peer"] = result["systems"]["peer"]["ms_per_photo"]["p50"] / facelib["ms_per_photo"]["p50"]
    save_result("accuracy", result)
    log("wrote bench/results/accuracy.json")


if __name__ == "__main__":
    main()
