"""Baidu face v2 reply bodies: detected faces, scores, identified users.

A detected face has what FaceLib computes: `location`, `face_probability` (the detector's score), `rotation_angle`
and `yaw` / `pitch` / `roll` (the face analysis's pose solver), `landmark` (4) and `landmark72` with
`face_fields=landmark` (mapped from the dense mesh, recognition.landmarks), and with `face_fields=qualities` the
measured `blur` (0 sharp .. 1 blurred) and `completeness` (0 = the face lies wholly inside the photo). Age, beauty,
expression, face shape, gender, glasses, race, occlusion, the cartoon score and illumination on Baidu's 0..255 scale
have no model here and are left out.
"""

from __future__ import annotations

from facesets.services.runs import persons_ranked
from recognition.calibration import baidu_score
from recognition.landmarks import vendor_landmarks


def score(value: float) -> float:
    return round(float(value), 4)


def _points(mesh, scheme: str) -> list[dict[str, int]]:
    return [{"x": int(round(x)), "y": int(round(y))} for _, _, x, y in vendor_landmarks(mesh, scheme)]


def detected(face: dict, fields: set[str], width: int, height: int) -> dict:
    x, y, w, h = face["box"]
    analysis = face.get("analysis") or {}
    pose = analysis.get("pose") or face.get("quality") or {}
    body = {
        "location": {"left": int(x), "top": int(y), "width": int(w), "height": int(h)},
        "face_probability": round(float(face["score"]), 4),
        "rotation_angle": int(round(float(pose.get("roll", 0.0)))),
        "yaw": float(pose.get("yaw", 0.0)),
        "pitch": float(pose.get("pitch", 0.0)),
        "roll": float(pose.get("roll", 0.0)),
    }
    if "landmark" in fields and analysis.get("mesh"):
        body["landmark"] = _points(analysis["mesh"], "baidu4")
        body["landmark72"] = _points(analysis["mesh"], "baidu72")
    if "qualities" in fields:
        quality = face.get("quality") or {}
        inside = x >= 0 and y >= 0 and x + w <= width and y + h <= height
        body["qualities"] = {"completeness": 0 if inside else 1}
        if "blur" in quality:  # the engine stores sharpness (1 = sharp)
            body["qualities"]["blur"] = round(1.0 - float(quality["blur"]), 4)
    return body


def identified(hits, outer_ids: list[str], top: int) -> dict:
    """Search hits over the groups' faces as Baidu's users: one entry per uid, best first, `group_id` the first
    requested group holding the user, `scores` that user's face scores, highest first."""
    result = []
    for entry in persons_ranked(hits):
        person = entry.person
        if not person.uid:
            continue
        member_of = set(person.groups.values_list("outer_id", flat=True))
        group_id = next((outer_id for outer_id in outer_ids if outer_id in member_of), None)
        if group_id is None:
            continue
        scores = [score(baidu_score(hit.cosine)) for hit in entry.hits]
        result.append({"group_id": group_id, "uid": person.uid, "user_info": person.user_data, "scores": scores})
        if len(result) == top:
            break
    return {"result_num": len(result), "result": result}
