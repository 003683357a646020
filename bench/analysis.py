"""What the face analysis costs, and that enrolment does not pay it.

    .venv/bin/python bench/analysis.py [--repeat 5]

On the labelled photos (people/ and more_people/), in one run and one process: the analysis of one face alone (the
mesh network, the blendshape network and the pose solver; `FaceAnalyzer.analyse`), and the inference call of an
enrolment (`image_analyse`: decode, detect, align, embed) with and without `analysis=True`. Enrolment calls it
without, so its time — and the enrolment throughput — is the "without" column; the difference is what a caller who
asks for landmarks or attributes pays per photo. Medians and p99 over every photo x repetition, ms.
"""

from __future__ import annotations

import argparse

from common import Stopwatch, conditions, log, save_result, summary
from faces_data import ALL_FORMATS, labelled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from facesets.services.faces import image_analyse
    from recognition.analysis import get_analyzer
    from recognition.engine import get_engine
    from recognition.imageio import decode_image

    engine, analyzer = get_engine(), get_analyzer()
    folder, photos = labelled()
    payloads = [(folder / name).read_bytes() for name, _ in photos]
    started = conditions()
    analysis_ms, without_ms, with_ms = [], [], []
    for data in payloads:  # warm both models
        image_analyse(data=data, formats=ALL_FORMATS, max_faces=1, analysis=True)
        break
    for round_number in range(args.repeat):
        log(f"round {round_number + 1}/{args.repeat}: {len(payloads)} photos")
        for data in payloads:
            pixels = decode_image(data, formats=ALL_FORMATS).pixels
            faces = engine.detect(pixels, max_faces=1, embed=False)
            if faces:
                with Stopwatch() as watch:
                    analyzer.analyse(pixels, faces[0].box, faces[0].landmarks[:2])
                analysis_ms.append(watch.ms)
            with Stopwatch() as watch:
                image_analyse(data=data, formats=ALL_FORMATS, max_faces=1)
            without_ms.append(watch.ms)
            with Stopwatch() as watch:
                image_analyse(data=data, formats=ALL_FORMATS, max_faces=1, analysis=True)
            with_ms.append(watch.ms)
    result = {
        "photos": len(payloads),
        "repeat": args.repeat,
        "analysis_per_face_ms": summary(analysis_ms),
        "enrolment_inference_ms": summary(without_ms),
        "with_analysis_ms": summary(with_ms),
        "conditions_start": started,
        "conditions_end": conditions(),
    }
    path = save_result("analysis", result)
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
