"""Calibrate the liveness thresholds on your own recordings: detection and false-alarm rates per action over a grid.

    .venv/bin/python bench/liveness_calibrate.py FOLDER [--csv out.csv]

FOLDER holds the clips and a `labels.csv` with a header `file,actions`: the clip's file name and the actions really
performed in it, in order, separated by ";" (1 turn to the person's own left, 2 right, 3 nod, 4 open and close the
mouth, 5 blink; empty for a clip with none, such as a still face or a photo held up to the camera). Record clips as
your users will (their cameras, light, distance; unmirrored), 20-50 per action and as many without it.

Every clip is analysed once (recognition.liveness.video_signals, as the worker does), then each action's rule is
applied at every threshold of its grid: a clip in which the action was performed counts towards detection, any other
clip towards false alarms. Choose the smallest threshold whose false-alarm rate you accept; set it in
recognition.liveness.DEFAULTS (or pass `nod_threshold` per request for nods). Not part of the test suite: FaceLib ships
no real recordings, and the defaults are engineering defaults until an operator runs this.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import os
import sys
from pathlib import Path

GRIDS = {
    1: ("turn", [8, 10, 12, 15, 18, 20, 25]),
    2: ("turn", [8, 10, 12, 15, 18, 20, 25]),
    3: ("nod", [5, 7, 10, 12, 15, 20]),
    4: ("mouth_open", [0.08, 0.10, 0.12, 0.15, 0.20, 0.25]),
    5: ("blink_drop", [0.20, 0.25, 0.30, 0.35, 0.40, 0.45]),
}
NAMES = {1: "turn left", 2: "turn right", 3: "nod", 4: "mouth", 5: "blink"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--csv", type=Path, help="also write the rates as CSV")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from recognition.liveness import DEFAULTS, decide, video_signals

    with open(args.folder / "labels.csv", newline="") as handle:
        labels = [
            (row["file"], {int(a) for a in row["actions"].replace(",", ";").split(";") if a.strip()})
            for row in csv.DictReader(handle)
        ]
    clips = []
    for name, performed in labels:
        try:
            signals = video_signals((args.folder / name).read_bytes())
        except Exception as error:  # noqa: BLE001 - report the clip and go on
            print(f"skipped {name}: {error}", file=sys.stderr)
            continue
        clips.append((name, performed, signals.samples))
        print(f"analysed {name}: {len(signals.samples)} frames", file=sys.stderr)
    rows = []
    for action, (parameter, grid) in GRIDS.items():
        positives = [clip for clip in clips if action in clip[1]]
        negatives = [clip for clip in clips if action not in clip[1]]
        for value in grid:
            if parameter == "nod":
                rules, nod = DEFAULTS, float(value)
            else:
                rules, nod = dataclasses.replace(DEFAULTS, **{parameter: float(value)}), 10.0

            def found(samples, rules=rules, nod=nod, action=action):
                return decide(samples, [action], rules=rules, nod_threshold=nod).actions[0].detected

            hits = sum(found(samples) for _, _, samples in positives)
            alarms = sum(found(samples) for _, _, samples in negatives)
            rows.append(
                {
                    "action": f"{action} {NAMES[action]}",
                    "parameter": parameter,
                    "threshold": value,
                    "default": value == (10.0 if parameter == "nod" else getattr(DEFAULTS, parameter)),
                    "detection_rate": round(hits / len(positives), 3) if positives else None,
                    "false_alarm_rate": round(alarms / len(negatives), 3) if negatives else None,
                    "clips_with": len(positives),
                    "clips_without": len(negatives),
                }
            )
    print("| action | threshold | detection rate | false-alarm rate | clips with / without |")
    print("|---|---|---|---|---|")
    for row in rows:
        mark = " (default)" if row["default"] else ""
        print(
            f"| {row['action']} | {row['parameter']} {row['threshold']}{mark} | {row['detection_rate']} | "
            f"{row['false_alarm_rate']} | {row['clips_with']} / {row['clips_without']} |"
        )
    if args.csv:
        with open(args.csv, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
