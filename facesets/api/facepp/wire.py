"""Face++ v3 reply bodies: faces, face sets, scores, and the attributes FaceLib measures.

A face has `face_token` and `face_rectangle`; for the faces that were analysed (the five largest of a detection, all
with `calculate_all=1`) `landmark` (83 or 106 named points, recognition.landmarks' tables over the dense mesh) and
`attributes` when asked. The attributes are measurements, mapped onto Face++'s shapes and thresholds by the rules
below; none is a trained classifier of that attribute:

- `headpose`: `yaw_angle`, `pitch_angle`, `roll_angle` in degrees from the analysis's pose solver (yaw > 0: the nose
  turned towards the image's right; pitch > 0: looking up; roll > 0: the eye line falls to the image's right). An
  estimate with ~5-10 degrees of method uncertainty.
- `blur`: `blurness` only, 100 x (1 - sharpness), sharpness = Laplacian variance v / (v + 100) on the aligned face;
  threshold 50 = v of 100, a soft but usable face. FaceLib has no separate motion or gaussian blur model.
- `facequality`: 100 x sharpness factor x illumination x pose factor x size factor, each 0..1: sharpness / 0.5
  (capped at 1), the mean-brightness score, 1 up to 20 degrees of yaw or pitch falling to 0 at 70, face side / 80 px
  (capped at 1). Threshold 70.1, Face++'s: below it a face is a poor probe for comparison.
- `smile`: 100 x the blendshape model's mean `mouthSmileLeft/Right` score, threshold 50.
- `eyestatus`: per eye (`left_eye_status` is the image's left eye, as in Face++'s landmarks) `no_glass_eye_close` =
  100 x the blendshape model's `eyeBlink` score of that eye and `no_glass_eye_open` = 100 - that. FaceLib has no
  glasses or occlusion model: the glasses, dark-glasses and occlusion entries are left out, and the two values are the
  eye's open/closed scores whatever the person wears.
- `mouthstatus`: `open` = 100 x clamp((inner-lip gap / mouth width - 0.05) / 0.20, 0, 1), `close` = 100 - open (no
  mask or occlusion model: those entries are left out).

Gender, age, emotion, ethnicity, beauty, eye gaze and skin status have no model here and are never returned.
"""

from __future__ import annotations

import time
from typing import Any

from facesets.models import Face, FaceSet
from recognition.calibration import FACEPP_THRESHOLDS, facepp_confidence
from recognition.landmarks import vendor_landmarks

# Every attribute name Face++ defines (and the client's alias `smile`), and those FaceLib measures.
ATTRIBUTES = (
    "gender",
    "age",
    "smiling",
    "smile",
    "headpose",
    "facequality",
    "blur",
    "eyestatus",
    "emotion",
    "ethnicity",
    "beauty",
    "mouthstatus",
    "eyegaze",
    "skinstatus",
)
MEASURED = ("headpose", "facequality", "blur", "eyestatus", "mouthstatus", "smiling")
BLUR_THRESHOLD = 50.0
FACEQUALITY_THRESHOLD = 70.1
SMILE_THRESHOLD = 50.0


def request_id(request) -> str:
    """Face++'s "<unix seconds>,<id>", the id being the one RequestIdMiddleware logs for this request."""
    return f"{int(time.time())},{getattr(request, 'request_id', '') or '-'}"


def confidence(cosine: float) -> float:
    return round(facepp_confidence(cosine), 3)


def thresholds() -> dict[str, float]:
    return dict(FACEPP_THRESHOLDS)


def rectangle(face: Face) -> dict[str, int]:
    return {"top": face.box_y, "left": face.box_x, "width": face.box_width, "height": face.box_height}


def _score(value: float) -> float:
    return round(min(100.0, max(0.0, float(value))), 3)


def _pair(value: float, threshold: float) -> dict[str, float]:
    return {"value": _score(value), "threshold": threshold}


def facequality(quality: dict, pose: dict) -> float:
    """The facequality value (module docstring) from the measured quality and pose."""
    sharp = min(1.0, float(quality.get("blur", 0.0)) / 0.5)
    light = float(quality.get("illumination", 1.0))
    turn = max(abs(float(pose.get("yaw", 0.0))), abs(float(pose.get("pitch", 0.0))))
    frontal = min(1.0, max(0.0, (70.0 - turn) / 50.0))
    size = min(1.0, float(quality.get("size", 0)) / 80.0)
    return 100.0 * sharp * light * frontal * size


def attributes(face: Face, wanted: set[str]) -> dict[str, Any]:
    """The measured attributes among `wanted` (Face++ names; "smile" counts as "smiling")."""
    analysis = face.analysis or {}
    quality = face.quality or {}
    pose = analysis.get("pose") or {}
    measured: dict[str, Any] = {}
    if "headpose" in wanted and pose:
        measured["headpose"] = {
            "pitch_angle": round(float(pose["pitch"]), 6),
            "roll_angle": round(float(pose["roll"]), 6),
            "yaw_angle": round(float(pose["yaw"]), 6),
        }
    if "blur" in wanted and "blur" in quality:
        measured["blur"] = {"blurness": _pair(100.0 * (1.0 - float(quality["blur"])), BLUR_THRESHOLD)}
    if "facequality" in wanted and pose and "blur" in quality:
        measured["facequality"] = _pair(facequality(quality, pose), FACEQUALITY_THRESHOLD)
    if wanted & {"smiling", "smile"} and "smile" in analysis:
        measured["smile"] = _pair(100.0 * float(analysis["smile"]), SMILE_THRESHOLD)
    eyes = analysis.get("eyes")
    if "eyestatus" in wanted and eyes:
        # The analysis names eyes as the person's; Face++'s left eye is the image's left, the person's right.
        measured["eyestatus"] = {
            f"{side}_eye_status": {
                "no_glass_eye_open": _score(100.0 * (1.0 - float(eyes[person]["blink"]))),
                "no_glass_eye_close": _score(100.0 * float(eyes[person]["blink"])),
            }
            for side, person in (("left", "right"), ("right", "left"))
        }
    mouth = analysis.get("mouth")
    if "mouthstatus" in wanted and mouth:
        opened = _score(100.0 * min(1.0, max(0.0, (float(mouth["openness"]) - 0.05) / 0.20)))
        measured["mouthstatus"] = {"open": opened, "close": _score(100.0 - opened)}
    return measured


def landmark(face: Face, points: int) -> dict[str, dict[str, int]] | None:
    """Face++'s 83 (points=1) or 106 (points=2) named landmarks, None for a face that was not analysed."""
    mesh = (face.analysis or {}).get("mesh")
    if not mesh:
        return None
    scheme = "facepp83" if points == 1 else "facepp106"
    return {name: {"x": int(round(x)), "y": int(round(y))} for name, _, x, y in vendor_landmarks(mesh, scheme)}


def face_body(face: Face, *, landmarks: int = 0, wanted: set[str] | None = None) -> dict[str, Any]:
    """A face as detect and analyze answer it; landmarks and attributes only for analysed faces."""
    body: dict[str, Any] = {"face_token": face.face_token, "face_rectangle": rectangle(face)}
    if face.analysis:
        if landmarks:
            points = landmark(face, landmarks)
            if points is not None:
                body["landmark"] = points
        if wanted:
            body["attributes"] = attributes(face, wanted)
    return body


def short_face(face: Face) -> dict[str, Any]:
    return {"face_token": face.face_token, "face_rectangle": rectangle(face)}


def tags_text(face_set: FaceSet) -> str:
    return ",".join(face_set.tags or [])


def face_set_item(face_set: FaceSet) -> dict[str, str]:
    return {
        "faceset_token": face_set.faceset_token,
        "outer_id": face_set.outer_id or "",
        "display_name": face_set.display_name or "",
        "tags": tags_text(face_set),
    }
