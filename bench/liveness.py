"""What video liveness costs: seconds of CPU per second of video.

    .venv/bin/python bench/liveness.py [--repeat 3]

SYNTHETIC clips made from a labelled photo (tests/support/synthetic_video.py: the face mesh turned, nodded, the mouth
opened and the eyes blinked), encoded with H.264 at 640x480/15 fps and at 1280x720/30 fps, 2, 5 and 15 s long; each
analysed by `recognition.liveness.video_signals` (decode in memory, detect, face analysis per frame sampled at 15 fps)
and `decide`, in this process, with the engine's thread settings as a worker has them (FACELIB_ENGINE_THREADS: 2 on
2 cores). CPU time from getrusage (this process, user + system), wall time alongside; medians over the
repetitions. Whether the actions were found is
recorded too, as a check that the clips exercise the whole pipeline, not as an accuracy figure.
"""

from __future__ import annotations

import argparse
import resource

from common import REPO, Stopwatch, conditions, log, save_result, summary


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import cv2
    import django

    django.setup()
    from recognition.liveness import decide, video_signals
    from tests.support.synthetic_video import FaceRig, bump, encode, load_photo

    photo = load_photo(REPO.parent / "shared" / "data" / "faces" / "people" / "person02" / "img3.jpg")
    rig = FaceRig(photo)

    def render(t: float):
        period = t % 5000.0
        return rig.render(
            yaw=35 * bump(period, 500, 1500) - 35 * bump(period, 1700, 2700),
            pitch=-25 * bump(period, 2900, 3900),
            mouth=0.6 * bump(period, 4000, 4600),
            blink=bump(period, 4700, 4950),
        )

    started = conditions()
    rows = []
    for size, fps in (((640, 480), 15), ((1280, 720), 30)):
        frames_5s = []
        for k in range(int(5 * fps)):
            frame = render(k * 1000.0 / fps)
            canvas = cv2.resize(frame, (size[1] * frame.shape[1] // frame.shape[0] // 2 * 2, size[1]))
            x0 = max(0, (canvas.shape[1] - size[0]) // 2)
            frames_5s.append(cv2.copyMakeBorder(canvas, 0, 0, 0, 0, cv2.BORDER_CONSTANT)[:, x0 : x0 + size[0]])
        for seconds in (2, 5, 15):
            frames = (frames_5s * 3)[: int(seconds * fps)]
            clip = encode(frames, fps=fps)
            cpu_per_second, wall_per_second, found = [], [], None
            video_signals(clip)  # warm the models
            for _ in range(args.repeat):
                before = cpu_seconds()
                with Stopwatch() as watch:
                    signals = video_signals(clip)
                    decision = decide(signals.samples, [1, 2, 3, 4, 5] if seconds >= 5 else [1])
                cpu_per_second.append((cpu_seconds() - before) / seconds)
                wall_per_second.append(watch.ms / 1000.0 / seconds)
                found = decision.alive
            row = {
                "size": f"{size[0]}x{size[1]}",
                "fps": fps,
                "seconds": seconds,
                "bytes": len(clip),
                "frames_analysed": len(signals.samples),
                "cpu_s_per_video_s": summary(cpu_per_second)["p50"],
                "wall_s_per_video_s": summary(wall_per_second)["p50"],
                "actions_found": found,
            }
            log(str(row))
            rows.append(row)
    path = save_result(
        "liveness",
        {"repeat": args.repeat, "clips": rows, "conditions_start": started, "conditions_end": conditions()},
    )
    log(f"wrote {path}")


if __name__ == "__main__":
    main()
