"""The identity review's computation (facesets.selectors.identities.identities_from_vectors) at library sizes, on
synthetic faces from the project's fitted generator (bench/scale_data.py: SFace-like vectors with the genuine and
impostor score distributions of the labelled photos), with mistakes put in on purpose: 1 % of the persons entered
twice (their faces split in two persons) and 0.5 % of the faces given to a random other person.

    .venv/bin/python bench/identity_review.py [--sizes 10000,100000] [--per-person 10] [--repeat 3]

Per size: the median time of the whole computation (the reading of the vectors from PostgreSQL is not included:
pgvector's binary form is read at about a microsecond a row), and what the review found at the dashboard's threshold
(0.93 on the Huawei scale): the twice-entered persons proposed / all, other pairs proposed, the misgiven faces
flagged / all, other faces flagged; and the threshold calibration's computation on the same faces
(facesets.selectors.thresholds.calibration_from_vectors: every genuine and impostor pair up to 2,000,000 of each, a
uniform sample beyond), its median time and whether each kind was exact. Synthetic data: this measures cost and
behaviour at scale, not accuracy on real faces (the browser suite checks real photos). Results:
bench/results/identity_review.json.
"""

from __future__ import annotations

import argparse

import numpy as np
from common import Stopwatch, conditions, log, save_result, setup_django, summary


def library(model, rng, faces: int, per_person: int):
    """Face keys, person keys and vectors with the planted mistakes; the twice-entered pairs and misgiven faces."""
    identities = faces // per_person
    vectors, labels = model.sample(rng, identities=identities, per_identity=per_person)
    persons = labels.copy()
    twice = rng.choice(identities, size=max(1, identities // 100), replace=False)
    pairs = set()
    for offset, identity in enumerate(twice):
        rows = np.flatnonzero(labels == identity)
        second = identities + offset  # a new person holding half of this identity's faces
        persons[rows[: len(rows) // 2]] = second
        pairs.add(frozenset((int(identity), int(second))))
    misgiven = rng.choice(len(persons), size=max(1, len(persons) // 200), replace=False)
    for row in misgiven:
        persons[row] = (labels[row] + 1 + rng.integers(identities - 1)) % identities
    return np.arange(len(persons)), persons, vectors, pairs, set(misgiven.tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--per-person", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup_django("facelib_bench_api")
    from faces_data import facelib_embeddings
    from scale_data import FaceModel

    from facesets.selectors.identities import identities_from_vectors
    from facesets.selectors.thresholds import calibration_from_vectors
    from recognition.calibration import RAW_DECISION

    _, identities, real = facelib_embeddings()
    model = FaceModel.fit(real, identities)
    rng = np.random.default_rng(11)
    result = {"conditions": conditions(), "per_person": args.per_person, "threshold_cosine": RAW_DECISION, "sizes": []}
    for size in (int(text) for text in args.sizes.split(",")):
        face_pks, persons, vectors, pairs, misgiven = library(model, rng, size, args.per_person)
        times = []
        for _ in range(args.repeat):
            with Stopwatch() as watch:
                review = identities_from_vectors(face_pks, persons, vectors, min_cosine=RAW_DECISION, limit=10**7)
            times.append(watch.ms)
        calibration_times = []
        for _ in range(args.repeat):
            with Stopwatch() as watch:
                calibration = calibration_from_vectors(persons, vectors, threshold=RAW_DECISION, set_size=size)
            calibration_times.append(watch.ms)
        proposed = {frozenset((pair.keep, pair.merge)) for pair in review.pairs}
        flagged = {stray.face for stray in review.strays}
        row = {
            "faces": size,
            "persons": int(len(np.unique(persons))),
            "ms": summary(times),
            "twice_entered": len(pairs),
            "twice_entered_proposed": len(pairs & proposed),
            "other_pairs_proposed": len(proposed - pairs),
            "misgiven": len(misgiven),
            "misgiven_flagged": len(misgiven & flagged),
            "other_faces_flagged": len(flagged - misgiven),
            "calibration_ms": summary(calibration_times),
            "calibration_genuine_exact": calibration.genuine_exact,
            "calibration_impostor_exact": calibration.impostor_exact,
        }
        result["sizes"].append(row)
        log(
            f"{size:,} faces of {row['persons']:,} persons: {row['ms']['p50']:.0f} ms; pairs "
            f"{row['twice_entered_proposed']}/{row['twice_entered']} (+{row['other_pairs_proposed']}), strays "
            f"{row['misgiven_flagged']}/{row['misgiven']} (+{row['other_faces_flagged']}); calibration "
            f"{row['calibration_ms']['p50']:.0f} ms"
        )
    log(f"wrote {save_result('identity_review', result)}")


if __name__ == "__main__":
    main()
