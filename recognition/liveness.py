"""Video liveness by requested actions (Huawei's live-detect): did the largest face in a short clip perform the
actions asked of it — turn the head left (1) or right (2), nod (3), move the mouth (4), blink (5)?

It is a challenge-response check, not presentation-attack detection: a replayed video of the person doing the
actions passes, and so would a deepfake or a mask. The client must choose the actions at random per attempt.

Two parts:
- `video_signals` (runs the models): every sampled frame's largest face → a Sample of head pose, eye openness (eye
  aspect ratio and the blendshape model's eyeBlink), mouth openness (inner-lip gap / mouth width and jawOpen),
  sharpness, brightness, size and how many faces the frame holds; and a crop of the face for the picture.
- `decide` (pure, unit-tested on traces): actions from **changes within the clip**, never absolute values (absolute
  yaw/pitch carry 5-10 degrees of method uncertainty, eye aspect ratios differ between people from 0.14 to 0.34, an
  open smile reads as an open mouth):
  - baseline: the median of the face's first 0.5 s (the person at rest, before any action; a window's own
    neighbourhood may hold other movements);
  - 1 / 2: a yaw excursion of at least TURN degrees towards the person's own left (1: the nose moves to the image's
    right in an unmirrored video) or right (2), the pitch change at most 0.6 x the yaw change;
  - 3: a pitch excursion (either way) of at least `nod_threshold` degrees with the yaw within 8 degrees and the
    mouth no more open than 0.08 over baseline (opening the jaw moves the estimated pitch);
  - 4: the inner lips open by at least 0.15 (gap / width) above the lowest value before, then close by 0.10. A mouth
    open throughout (a smile with teeth) is a level, not an action. (The blendshape model's jawOpen is not used: it
    rose by 0.2 on a printed photo being tilted, lips closed);
  - 5: the eye aspect ratio drops 35 % below the open-eye baseline, or eyeBlink rises by 0.25, and recovers within
    0.5 s, with the yaw within 20 degrees;
  - without windows the actions must happen in the requested order (each one's search starts after the previous
    one's excursion ended); with `action_time` each must happen inside its window.
  `confidence` is a margin score, not a probability: 0.5 + 0.5 x (peak - T) / T clipped to 1 when the excursion
  reached the threshold T, 0.5 x peak / T below it. `alive`: every action found and the face present in at least
  60 % of the samples.

The thresholds are engineering defaults, measured on synthetic clips only (bench/liveness_calibrate.py prints the
detection and false-alarm rates of a folder of labelled real recordings over a grid of thresholds, so an operator can
set them).
"""

from __future__ import annotations

import base64
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import cv2
import numpy as np

ACTIONS = {1: "turn left", 2: "turn right", 3: "nod", 4: "mouth", 5: "blink"}
MAX_ACTIONS = 10

# Huawei's warning codes (spec 5.2.10) that FaceLib measures. 104 (occlusion) and 7 (not a real person) need models
# FaceLib does not have and are never emitted; 2 and 3 (duration) are the FRS.0706 error instead.
WARNINGS = {
    1: "The face is not facing forward.",
    4: "More than one face appears in the video.",
    5: "No face was found in the video.",
    6: "The action amplitude is too small.",
    8: "No suitable picture of the face could be chosen.",
    101: "The face quality is too low.",
    102: "The face is blurred.",
    103: "The face pose is too large.",
    105: "The face is too dark.",
    106: "Several faces are in the chosen picture.",
}


@dataclass(frozen=True)
class Thresholds:
    """The decision rules' constants (module docstring); engineering defaults until calibrated on real clips."""

    turn: float = 15.0  # degrees of yaw
    turn_pitch_ratio: float = 0.6
    nod_yaw: float = 8.0
    nod_mouth: float = 0.08
    mouth_open: float = 0.15  # inner-lip gap / mouth width
    mouth_close: float = 0.10
    mouth_level: float = 0.25
    blink_drop: float = 0.35  # fraction of the open-eye aspect ratio
    blink_rise: float = 0.25  # eyeBlink score
    blink_ms: float = 500.0
    blink_yaw: float = 20.0
    baseline_ms: float = 500.0
    min_presence: float = 0.6
    frontal: float = 20.0  # degrees: warning 1 and 103
    best_turn: float = 15.0  # degrees from baseline for the picture
    best_gap_ms: float = 300.0  # the picture is this far from any action's peak
    sharp: float = 0.5  # sharpness below it: blurred (warning 102)
    dark: float = 60.0  # mean brightness below it: too dark (warning 105)


DEFAULTS = Thresholds()


@dataclass
class Sample:
    """What one sampled frame shows of its largest face (present=False: no usable face)."""

    t: float  # ms from the start
    present: bool
    faces: int = 0  # faces of at least a third of the largest's size, detector score >= 0.8
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    ear: float = 0.0  # eye aspect ratio, mean of both eyes
    blink: float = 0.0  # eyeBlink score, mean of both eyes
    mar: float = 0.0  # inner-lip gap / mouth width
    jaw: float = 0.0  # jawOpen score
    sharpness: float = 0.0  # 0..1 (Laplacian variance v / (v + 100))
    brightness: float = 0.0  # mean grey level of the face, 0..255
    size: int = 0  # the face box's shorter side, px


@dataclass
class ActionResult:
    action: int
    detected: bool
    confidence: float
    peak: float  # the largest excursion found, in the action's unit
    threshold: float
    peak_t: float | None = None


@dataclass
class Decision:
    alive: bool
    actions: list[ActionResult]
    warnings: list[int]
    best: int | None  # index of the chosen sample, None when none qualified
    presence: float
    baseline: dict = field(default_factory=dict)


def confidence(peak: float, threshold: float) -> float:
    """The margin score of an excursion against its threshold (module docstring)."""
    if threshold <= 0:
        return 0.0
    if peak >= threshold:
        return round(min(1.0, 0.5 + 0.5 * (peak - threshold) / threshold), 4)
    return round(max(0.0, 0.5 * peak / threshold), 4)


def _median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def _baseline(samples: list[Sample], rules: Thresholds) -> dict[str, float]:
    """Median signals of the face's first 0.5 s (at least 3 samples): the person at rest."""
    present = [s for s in samples if s.present]
    first = present[0].t if present else 0.0
    chosen = [s for s in present if s.t < first + rules.baseline_ms]
    if len(chosen) < 3:
        chosen = present[:3]
    return {
        name: _median([getattr(s, name) for s in chosen]) for name in ("yaw", "pitch", "ear", "blink", "mar", "jaw")
    }


def _smoothed(values: list[float]) -> list[float]:
    """A running median of 3 (head pose: one noisy frame is not a turn)."""
    if len(values) < 3:
        return list(values)
    return [values[0]] + [_median(values[i - 1 : i + 2]) for i in range(1, len(values) - 1)] + [values[-1]]


def _amplitudes(action: int, run: list[Sample], base: dict[str, float], rules: Thresholds) -> list[float]:
    """Each sample's excursion for the action (0 where a guard refuses it), in the action's unit."""
    yaw = _smoothed([s.yaw for s in run])
    pitch = _smoothed([s.pitch for s in run])
    amplitudes = []
    if action in (1, 2):
        sign = 1.0 if action == 1 else -1.0
        for y, p in zip(yaw, pitch, strict=True):
            turn = sign * (y - base["yaw"])
            ok = turn > 0 and abs(p - base["pitch"]) <= rules.turn_pitch_ratio * turn
            amplitudes.append(turn if ok else 0.0)
    elif action == 3:
        for s, y, p in zip(run, yaw, pitch, strict=True):
            ok = abs(y - base["yaw"]) < rules.nod_yaw and s.mar - base["mar"] <= rules.nod_mouth
            amplitudes.append(abs(p - base["pitch"]) if ok else 0.0)
    elif action == 4:
        if run and min(s.mar for s in run) >= rules.mouth_level:
            return [0.0] * len(run)  # open throughout: a level, not a movement
        lowest = float("inf")
        for i, s in enumerate(run):
            lowest = min(lowest, s.mar)
            closes = any(s.mar - other.mar >= rules.mouth_close for other in run[i + 1 :])
            amplitudes.append(s.mar - lowest if closes else 0.0)
    elif action == 5:
        for i, s in enumerate(run):
            if abs(s.yaw - base["yaw"]) >= rules.blink_yaw:
                amplitudes.append(0.0)
                continue
            drop = (base["ear"] - s.ear) / base["ear"] if base["ear"] > 0 else 0.0
            rise = (s.blink - base["blink"]) * rules.blink_drop / rules.blink_rise
            value = max(drop, rise)
            amplitudes.append(value if _recovers(run, i, base, rules) else 0.0)
    return amplitudes


def _closed_amount(s: Sample, base: dict[str, float], rules: Thresholds) -> float:
    drop = (base["ear"] - s.ear) / base["ear"] if base["ear"] > 0 else 0.0
    return max(drop, (s.blink - base["blink"]) * rules.blink_drop / rules.blink_rise)


def _recovers(run: list[Sample], i: int, base: dict[str, float], rules: Thresholds) -> bool:
    """Whether the eye closure at sample i began and ended within blink_ms (a blink, not closed eyes)."""
    half = rules.blink_drop / 2
    start = i
    while start > 0 and _closed_amount(run[start - 1], base, rules) >= half:
        start -= 1
    for j in range(i + 1, len(run)):
        if _closed_amount(run[j], base, rules) < half:
            return run[j].t - run[start].t <= rules.blink_ms + 1.0
        if run[j].t - run[start].t > rules.blink_ms:
            return False
    return False


def _threshold(action: int, nod: float, rules: Thresholds) -> float:
    return {1: rules.turn, 2: rules.turn, 3: nod, 4: rules.mouth_open, 5: rules.blink_drop}[action]


def decide(
    samples: Sequence[Sample],
    actions: Sequence[int],
    *,
    windows: Sequence[tuple[float, float]] | None = None,
    nod_threshold: float = 10.0,
    rules: Thresholds = DEFAULTS,
) -> Decision:
    """Whether the clip's largest face performed `actions` (in order, or each inside its window), with a margin
    score per action, the warnings FaceLib measures and the index of the best sample for the picture."""
    samples = sorted(samples, key=lambda s: s.t)
    present = [s for s in samples if s.present]
    presence = len(present) / len(samples) if samples else 0.0
    clip_base = _baseline(samples, rules)
    results: list[ActionResult] = []
    cursor = present[0].t if present else 0.0
    for index, action in enumerate(actions):
        threshold = _threshold(action, nod_threshold, rules)
        if windows is not None:
            start, end = windows[index]
        else:
            start, end = cursor, float("inf")
        base = clip_base
        run = [s for s in present if start <= s.t <= end]
        amplitudes = _amplitudes(action, run, base, rules)
        first = next((i for i, value in enumerate(amplitudes) if value >= threshold), None)
        if first is None:
            peak = max(amplitudes, default=0.0)
            peak_t = run[amplitudes.index(peak)].t if run and peak > 0 else None
            results.append(ActionResult(action, False, confidence(peak, threshold), round(peak, 4), threshold, peak_t))
            continue
        last = first
        while last + 1 < len(amplitudes) and amplitudes[last + 1] >= threshold / 2:
            last += 1
        excursion = amplitudes[first : last + 1]
        peak = max(excursion)
        peak_t = run[first + excursion.index(peak)].t
        results.append(ActionResult(action, True, confidence(peak, threshold), round(peak, 4), threshold, peak_t))
        if windows is None:
            cursor = run[last + 1].t if last + 1 < len(run) else run[last].t + 1.0
    alive = bool(actions) and all(result.detected for result in results) and presence >= rules.min_presence
    best = _best_sample(samples, results, clip_base, rules)
    warnings = _warnings(samples, present, presence, results, best, rules)
    return Decision(alive, results, warnings, best, round(presence, 4), clip_base)


def _best_sample(samples: list[Sample], results: list[ActionResult], base: dict, rules: Thresholds) -> int | None:
    """The sample for the picture: frontal, eyes open, mouth closed, away from every action's peak; the sharpest,
    best lit and largest of those."""
    peaks = [result.peak_t for result in results if result.peak_t is not None]
    best, best_score = None, -1.0
    for index, s in enumerate(samples):
        if not s.present:
            continue
        frontal = abs(s.yaw - base["yaw"]) < rules.best_turn and abs(s.pitch - base["pitch"]) < rules.best_turn
        eyes_open = base["ear"] <= 0 or s.ear >= 0.85 * base["ear"]
        if not (frontal and eyes_open and s.mar < 0.1):
            continue
        if any(abs(s.t - t) < rules.best_gap_ms for t in peaks):
            continue
        light = 1.0 if 60.0 <= s.brightness <= 200.0 else 0.5
        score = s.sharpness * light * min(1.0, s.size / 112.0)
        if score > best_score:
            best, best_score = index, score
    return best


def _warnings(samples, present, presence, results, best, rules: Thresholds) -> list[int]:
    warnings = []
    if present and not any(abs(s.yaw) < rules.frontal and abs(s.pitch) < rules.frontal for s in present):
        warnings.append(1)
    if samples and sum(1 for s in samples if s.faces >= 2) >= 0.3 * len(samples):
        warnings.append(4)
    if presence < 0.2:
        warnings.append(5)
    if any(not r.detected and r.peak >= 0.5 * r.threshold for r in results):
        warnings.append(6)
    if best is None:
        if present:
            warnings.append(8)
        return warnings
    chosen = samples[best]
    quality = []
    if chosen.sharpness < rules.sharp:
        quality.append(102)
    if abs(chosen.yaw) >= rules.frontal or abs(chosen.pitch) >= rules.frontal:
        quality.append(103)
    if chosen.brightness < rules.dark:
        quality.append(105)
    if len(quality) >= 2:
        warnings.append(101)
    warnings += quality
    if chosen.faces >= 2:
        warnings.append(106)
    return warnings


# --- signals from a clip (runs the detector and the face analysis) ------------------------------------------------


@dataclass
class Signals:
    samples: list[Sample]
    crops: dict[int, np.ndarray]  # sample index -> a crop of its largest face (1.5 x the box), at most 320 px
    duration_ms: float
    container: str
    codec: str
    width: int
    height: int
    seconds: float  # CPU-bound wall time spent


def _crop(pixels: np.ndarray, box) -> np.ndarray:
    x, y, w, h = box
    side = int(max(w, h) * 1.5)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(pixels.shape[1], x0 + side), min(pixels.shape[0], y0 + side)
    crop = pixels[y0:y1, x0:x1]
    scale = min(1.0, 320.0 / max(crop.shape[:2]))
    if scale < 1.0:
        crop = cv2.resize(crop, (max(1, int(crop.shape[1] * scale)), max(1, int(crop.shape[0] * scale))))
    return crop.copy()


def video_signals(
    data: bytes, *, max_fps: float = 15.0, max_seconds: float = 15.0, time_limit: float = 30.0
) -> Signals:
    """Decode a clip (recognition.video; VideoError for what cannot be used) and measure every sampled frame's
    largest face."""
    from .analysis import get_analyzer
    from .engine import get_engine
    from .video import VideoReader

    started = time.monotonic()
    reader = VideoReader(data, max_fps=max_fps, max_seconds=max_seconds, deadline=started + time_limit)
    engine, analyzer = get_engine(), get_analyzer()
    samples: list[Sample] = []
    crops: dict[int, np.ndarray] = {}
    for frame in reader:
        faces = engine.detect(frame.pixels, embed=False, thumbnails=False)
        if not faces:
            samples.append(Sample(t=frame.t, present=False))
            continue
        largest = faces[0]
        side = min(largest.box[2], largest.box[3])
        count = sum(1 for face in faces if face.score >= 0.8 and min(face.box[2], face.box[3]) >= side / 3)
        analysis = analyzer.analyse(frame.pixels, largest.box, largest.landmarks[:2])
        if analysis.presence < 0.5:
            samples.append(Sample(t=frame.t, present=False, faces=count))
            continue
        x, y, w, h = largest.box
        grey = cv2.cvtColor(frame.pixels[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
        samples.append(
            Sample(
                t=frame.t,
                present=True,
                faces=max(1, count),
                yaw=analysis.yaw,
                pitch=analysis.pitch,
                roll=analysis.roll,
                ear=round((analysis.eye_openness["left"] + analysis.eye_openness["right"]) / 2, 4),
                blink=round((analysis.eye_blink["left"] + analysis.eye_blink["right"]) / 2, 4),
                mar=analysis.mouth_openness,
                jaw=analysis.jaw_open,
                sharpness=float(largest.quality.get("blur", 0.0)),
                brightness=round(float(grey.mean()) if grey.size else 0.0, 1),
                size=int(side),
            )
        )
        crops[len(samples) - 1] = _crop(frame.pixels, largest.box)
    info = reader.info
    return Signals(
        samples=samples,
        crops=crops,
        duration_ms=info.duration_ms,
        container=info.container,
        codec=info.codec,
        width=info.width,
        height=info.height,
        seconds=round(time.monotonic() - started, 3),
    )


def picture_base64(crop: np.ndarray | None) -> str:
    """The chosen face as a JPEG (quality 90), base64 without line breaks; "" without one."""
    if crop is None or crop.size == 0:
        return ""
    ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return base64.b64encode(encoded.tobytes()).decode() if ok else ""


def trace(samples: Sequence[Sample]) -> list[dict]:
    """The samples as JSON (the dashboard plots them)."""
    return [asdict(sample) for sample in samples]
