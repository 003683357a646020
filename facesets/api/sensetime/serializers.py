"""SenseTime v1 wire format: arguments in and response bodies out.

Arguments are read by the shared reader (facesets.api.common.arguments): the query string, then a JSON, form-urlencoded
or multipart body, mixed as the client likes; arrays (`face_id`, `person_id`, ...) as a JSON array, "a,b" or repeated
fields; `file` only from a multipart upload; booleans 1/0.

Faces are shown with what FaceLib measures: the box as `rect`; `landmarks21` and (asked for) `landmarks106`, mapped
from the face analysis's dense mesh (recognition.landmarks); `eye_dist`, the distance between the pupils; the
detector's five points as `landmarks5` (FaceLib's addition); and, as `attributes`, the head pose from the mesh, the
degree of smile (1..100, from the blendshape model) and the measured image quality. No model here estimates age,
gender, attractiveness, glasses or sunglasses, so those attributes are never returned (README, "SenseTime v1").
"""

from __future__ import annotations

import math
from typing import Any

from facesets.models import Face, FaceSet, Group, Image, Person, Project
from recognition.calibration import sensetime_confidence
from recognition.landmarks import IRIS_L, IRIS_R, vendor_landmarks

SAME_PERSON_CONFIDENCE = 0.6  # the document: same_person is true when confidence > 0.6


# --- responses ---------------------------------------------------------------------------------------------------


def confidence(cosine: float) -> float:
    """SenseTime confidence 0..1 (calibrated to the document's error-rate table), 6 decimals as in its examples."""
    return round(sensetime_confidence(cosine), 6)


def rect(face: Face) -> dict[str, int]:
    return {
        "left": face.box_x,
        "top": face.box_y,
        "right": face.box_x + face.box_width,
        "bottom": face.box_y + face.box_height,
    }


def eye_dist(face: Face) -> int:
    """Distance between the pupils (the mesh's iris centres; the detector's eye points when not analysed), in
    pixels."""
    mesh = (face.analysis or {}).get("mesh")
    if mesh:
        (left_x, left_y, _), (right_x, right_y, _) = mesh[IRIS_L], mesh[IRIS_R]
        return int(round(math.hypot(right_x - left_x, right_y - left_y)))
    if len(face.landmarks) < 2:
        return 0
    (left_x, left_y), (right_x, right_y) = face.landmarks[0], face.landmarks[1]
    return int(round(math.hypot(right_x - left_x, right_y - left_y)))


def attributes(face: Face) -> dict[str, float]:
    """What FaceLib measures of a face: head pose in degrees (`yaw`, `pitch`, `roll`: the mesh's pose solver when the
    face was analysed, else the detector's five points), `smile` 1..100 (analysed faces), image quality 0..1 (larger
    is better: `sharpness`, `illumination`) and the detector's confidence 0..1 (`detection_score`)."""
    quality = face.quality or {}
    analysis = face.analysis or {}
    pose = analysis.get("pose") or quality
    measured = {key: pose[key] for key in ("yaw", "pitch", "roll") if key in pose}
    if "smile" in analysis:
        measured["smile"] = max(1, min(100, round(100 * float(analysis["smile"]))))
    if "blur" in quality:  # stored as a sharpness score (1 = sharp), see recognition.engine._blur_score
        measured["sharpness"] = quality["blur"]
    if "illumination" in quality:
        measured["illumination"] = quality["illumination"]
    measured["detection_score"] = round(float(face.detection_score), 4)
    return measured


def _points(face: Face, scheme: str) -> list[list[float]]:
    return [[round(x, 6), round(y, 6)] for _, _, x, y in vendor_landmarks(face.analysis["mesh"], scheme)]


def face_body(face: Face, *, with_attributes: bool = True, with_landmarks106: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {"face_id": face.face_id, "rect": rect(face), "eye_dist": eye_dist(face)}
    if (face.analysis or {}).get("mesh"):
        body["landmarks21"] = _points(face, "sensetime21")
        if with_landmarks106:
            body["landmarks106"] = _points(face, "sensetime106")
    body["landmarks5"] = [[float(x), float(y)] for x, y in face.landmarks]
    if with_attributes:
        body["attributes"] = attributes(face)
    return body


def image_body(image: Image) -> dict[str, Any]:
    return {"image_id": image.image_id, "width": image.width, "height": image.height, "user_data": image.user_data}


def rotate_name(degrees: int) -> str | None:
    return {90: "cw90", 180: "cw180", 270: "cw270"}.get(int(degrees or 0))


def quota_body(project: Project, usage: dict[str, int]) -> dict[str, Any]:
    return {
        "rate_limit": f"{project.rate_limit_requests}q/{project.rate_limit_window_seconds}s",
        "quota": {
            "groups": project.max_groups,
            "persons": project.max_persons,
            "facesets": project.max_face_sets,
            "persons_per_group": project.max_persons_per_group,
            "faces_per_person": project.max_faces_per_person,
            "faces_per_faceset": project.max_face_set_capacity,
        },
        "usage": {"groups": usage["groups"], "persons": usage["persons"], "facesets": usage["face_sets"]},
    }


def person_item(person: Person) -> dict[str, str]:
    return {"person_id": person.person_id, "name": person.name}


def group_item(group: Group) -> dict[str, str]:
    return {"group_id": group.group_id, "name": group.name}


def face_set_item(face_set: FaceSet) -> dict[str, str]:
    return {"faceset_id": face_set.face_set_id, "name": face_set.name}


# --- results of the asynchronous operations, rendered from the task's parameters and result -------------------------
# The same functions render a synchronous answer and /info/task's `result`, so both look alike.


def verification_body(params: dict, result: dict) -> dict[str, Any]:
    score = confidence(result["cosine"])
    body: dict[str, Any] = {"same_person": score > SAME_PERSON_CONFIDENCE, "confidence": score}
    body["face_id"] = params["face_id"]
    if params.get("face2_id"):
        body["face2_id"] = params["face2_id"]
    else:
        body["person_id"] = params["person_id"]
    body["status"] = "OK"
    return body


def search_body(params: dict, result: dict) -> dict[str, Any]:
    candidates = [
        {"face_id": match["face_id"], "confidence": confidence(match["cosine"])} for match in result["matches"]
    ]
    return {"candidates": candidates, "face_id": params["face_id"], "status": "OK"}


def identification_body(params: dict, result: dict) -> dict[str, Any]:
    candidates = []
    for match in result["matches"]:
        score = confidence(match["cosine"])
        if score > SAME_PERSON_CONFIDENCE:  # the document: only candidates above 0.6 are returned
            candidates.append({"person_id": match["person_id"], "name": match["name"], "confidence": score})
    return {"candidates": candidates, "face_id": params["face_id"], "group_id": params["group_id"], "status": "OK"}


def training_body(params: dict, result: dict) -> dict[str, Any]:
    return {"status": "OK"}


RESULT_BODIES = {
    "face.verify": verification_body,
    "face.search": search_body,
    "face.identify": identification_body,
    "face.training": training_body,
}
