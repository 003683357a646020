"""Fit the raw-cosine -> vendor-score calibration of recognition/calibration.py on the labelled photos.

Usage:  .venv/bin/python bench/calibrate.py [--data ../shared/data/faces]

It embeds the largest face of every photo in labels.csv and more_people/ with the default engine, forms every
same-person (genuine) and different-person (impostor) pair, finds the raw cosine at each false-accept rate (FAR)
and the threshold that best separates same from different, and prints the constants block for calibration.py.
Nothing is written: paste the block over the one in calibration.py (and update its comment) after checking it.

FAR thresholds: an empirical quantile of the impostor scores needs ~10 impostors above it to be stable, so FARs
at or above 10 / n_impostor are read from the data; rarer FARs are extrapolated from a normal distribution fitted to
the upper 10% of the impostor scores (least squares on the normal quantile plot; the tail, not the bulk, is what
decides high thresholds, and cosine impostor tails are heavier than a normal fitted to the whole distribution).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import sys
from pathlib import Path
from statistics import NormalDist

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from recognition.engine import FaceEngine  # noqa: E402
from recognition.imageio import decode_image  # noqa: E402

ALL_FORMATS = ("JPEG", "PNG", "BMP", "GIF", "TIFF", "WEBP")
FAR_LEVELS = ("1e-1", "1e-2", "1e-3", "1e-4", "1e-5", "1e-6")
# more_people identities that are also in people/ (README: "Jolie is person01"); checked by looking at the photos.
SAME_IDENTITY = {"angelina_jolie": "person01"}


def default_data_dir() -> Path:
    """The shared faces data: $FACELIB_FACES_DIR, else ../shared/data/faces beside the repo, else /work/shared."""
    for candidate in (
        os.environ.get("FACELIB_FACES_DIR"),
        REPO.parent / "shared" / "data" / "faces",
        Path("/work/shared/data/faces"),
    ):
        if candidate and Path(candidate, "labels.csv").is_file():
            return Path(candidate)
    raise SystemExit("faces data not found; pass --data")


def labelled_photos(data: Path) -> list[tuple[str, str]]:
    """(relative file, identity) for labels.csv and more_people/<identity>/*."""
    with open(data / "labels.csv", newline="") as handle:
        rows = [(r["file"], r["person"]) for r in csv.DictReader(handle)]
    for folder in sorted((data / "more_people").iterdir()):
        if folder.is_dir():
            identity = SAME_IDENTITY.get(folder.name, f"more_people/{folder.name}")
            rows.extend((str(p.relative_to(data)), identity) for p in sorted(folder.iterdir()) if p.is_file())
    return rows


def embed_photos(engine: FaceEngine, data: Path, rows: list[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Embedding of the largest face per photo (photos without a face are reported and skipped)."""
    vectors = {}
    for name, _ in rows:
        image = decode_image((data / name).read_bytes(), formats=ALL_FORMATS)
        faces = engine.detect(image.pixels, max_faces=1)
        if not faces:
            print(f"# no face: {name}", file=sys.stderr)
            continue
        vectors[name] = faces[0].embedding
    return vectors


def tail_normal(impostor: np.ndarray, fraction: float = 0.10) -> tuple[float, float]:
    """(mu, sigma) of the normal whose quantiles best match the top ``fraction`` of the sorted impostor scores."""
    scores = np.sort(impostor)
    n = len(scores)
    start = int(n * (1.0 - fraction))
    z = np.array([NormalDist().inv_cdf((i + 0.5) / n) for i in range(start, n)])
    sigma, mu = np.polyfit(z, scores[start:], 1)
    return float(mu), float(sigma)


def far_thresholds(impostor: np.ndarray) -> tuple[dict[str, float], dict[str, str], tuple[float, float]]:
    """Raw cosine at each FAR level, and how each was obtained ("empirical" or "normal tail")."""
    mu, sigma = tail_normal(impostor)
    values, how = {}, {}
    previous = -1.0
    for level in FAR_LEVELS:
        far = float(level)
        if far * len(impostor) >= 10:
            value, source = float(np.quantile(impostor, 1.0 - far)), "empirical"
        else:
            value, source = mu + sigma * NormalDist().inv_cdf(1.0 - far), "normal tail"
        values[level], how[level] = max(value, previous + 1e-4), source  # keep strictly increasing
        previous = values[level]
    return values, how, (mu, sigma)


def best_separation(genuine: np.ndarray, impostor: np.ndarray) -> tuple[float, float]:
    """Threshold with the lowest balanced error ((FRR + FAR) / 2, accepting scores >= t), and that error.

    Candidates are the midpoints between consecutive distinct scores; when several tie, the middle of the tied
    range is used (when it ties too), so the threshold sits in the centre of the gap rather than on its edge.
    """
    scores = np.unique(np.concatenate([genuine, impostor]))
    candidates = (scores[:-1] + scores[1:]) / 2.0
    genuine_sorted, impostor_sorted = np.sort(genuine), np.sort(impostor)
    frr = np.searchsorted(genuine_sorted, candidates, side="left") / len(genuine)
    far = 1.0 - np.searchsorted(impostor_sorted, candidates, side="left") / len(impostor)
    error = (frr + far) / 2.0
    best = np.flatnonzero(np.isclose(error, error.min()))
    middle = float((candidates[best[0]] + candidates[best[-1]]) / 2.0)
    middle_error = (np.mean(genuine < middle) + np.mean(impostor >= middle)) / 2.0
    chosen = middle if np.isclose(middle_error, error.min()) else float(candidates[best[0]])
    return chosen, float(error.min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="shared faces data folder")
    args = parser.parse_args()
    data = args.data or default_data_dir()
    engine = FaceEngine()
    engine.load()
    rows = labelled_photos(data)
    vectors = embed_photos(engine, data, rows)
    names = [name for name, _ in rows if name in vectors]
    identity = dict(rows)
    matrix = np.stack([vectors[n] for n in names])
    sims = matrix @ matrix.T
    upper = np.triu_indices(len(names), 1)
    same = np.array([identity[names[i]] == identity[names[j]] for i, j in zip(*upper, strict=True)])
    genuine, impostor = sims[upper][same], sims[upper][~same]

    with open(data / "pairs.csv", newline="") as handle:
        pairs = [r for r in csv.DictReader(handle)]
    pair_scores = {"yes": [], "no": []}
    for r in pairs:
        pair_scores[r["same_person"]].append(float(vectors[r["file_a"]] @ vectors[r["file_b"]]))
    pg, pi = np.array(pair_scores["yes"]), np.array(pair_scores["no"])

    thresholds, how, (mu, sigma) = far_thresholds(impostor)
    decision, decision_error = best_separation(genuine, impostor)
    pairs_accuracy = (np.sum(pg >= decision) + np.sum(pi < decision)) / (len(pg) + len(pi))
    dprime = (genuine.mean() - impostor.mean()) / np.sqrt((genuine.var() + impostor.var()) / 2.0)

    print(f"# photos embedded: {len(names)} of {len(rows)}; identities: {len(set(identity[n] for n in names))}")
    print(f"# genuine pairs: {len(genuine)}  mean {genuine.mean():.4f}  min {genuine.min():.4f}")
    print(
        f"# impostor pairs: {len(impostor)}  mean {impostor.mean():.4f}  sd {impostor.std():.4f}  "
        f"max {impostor.max():.4f}; tail normal mu {mu:.4f} sigma {sigma:.4f}; d' {dprime:.2f}"
    )
    print(
        f"# pairs.csv: {len(pg)} same (min {pg.min():.4f}), {len(pi)} different (max {pi.max():.4f}); "
        f"accuracy at the decision threshold {pairs_accuracy:.4f}"
    )
    print(f"# decision threshold (min balanced error {decision_error:.4f} on all pairs): {decision:.4f}")
    for level in FAR_LEVELS:
        frr = float(np.mean(genuine < thresholds[level]))
        print(f"# FAR {level}: raw cosine {thresholds[level]:.4f} ({how[level]}), FRR there {frr:.4f}")
    print()
    today = datetime.date.today().isoformat()
    print(f"# --- constants printed by bench/calibrate.py (fitted {today}) ---")
    print(f'FIT_DATE = "{today}"')
    print(
        f'FIT_COUNTS = {{"photos": {len(names)}, "genuine_pairs": {len(genuine)}, '
        f'"impostor_pairs": {len(impostor)}, "labelled_pairs": {len(pg) + len(pi)}}}'
    )
    print(f"IMPOSTOR_TAIL_NORMAL = ({mu:.4f}, {sigma:.4f})")
    print("RAW_AT_FAR = {")
    for level in FAR_LEVELS:
        print(f'    "{level}": {thresholds[level]:.4f},  # {how[level]}')
    print("}")
    print(f"RAW_DECISION = {decision:.4f}")
    print("# --- end of fitted constants ---")


if __name__ == "__main__":
    main()
