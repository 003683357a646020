"""/info/face: a detected face (rect, eye distance, landmarks, measured attributes) and, with with_image=1, its
image."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.sensetime.helpers import error_of

PHOTO = "people/person04/img14.jpg"


@pytest.fixture(scope="module")
def detected(st):
    answer = st.detect(PHOTO, user_data="test")
    return answer.body


def test_info_face(st, detected):
    face = detected["faces"][0]
    answer = st.call("/info/face", {"face_id": face["face_id"]}, method="GET", form="query")
    assert answer.status_code == 200
    body = answer.body
    assert body["status"] == "OK"
    assert body["face_id"] == face["face_id"]
    assert body["rect"] == face["rect"]
    assert body["eye_dist"] == face["eye_dist"]
    assert body["landmarks5"] == face["landmarks5"]
    assert set(body["attributes"]) == {"yaw", "pitch", "roll", "smile", "sharpness", "illumination", "detection_score"}
    assert "image" not in body
    assert body["landmarks21"] == face["landmarks21"]
    assert len(body["landmarks106"]) == 106  # kept with the face, so info/face gives both


def test_info_face_with_image(st, detected):
    face_id = detected["faces"][0]["face_id"]
    answer = st.call("/info/face", {"face_id": face_id, "with_image": 1}, method="GET", form="json")
    assert answer.body["image"] == {
        "image_id": detected["image_id"],
        "width": detected["width"],
        "height": detected["height"],
        "user_data": "test",
    }


def test_an_unknown_or_expired_face_is_invalid(st):
    from facesets.models import Face

    error_of(st.call("/info/face", {"face_id": "74de7d7977f44cc4a6bfa548b2b471f7"}, method="GET"), 400, "INVALID_FACE")
    face_id = st.detect_face("people/person02/img12.jpg")
    Face.objects.filter(face_id=face_id).update(expires=timezone.now() - timedelta(seconds=1))
    error_of(st.call("/info/face", {"face_id": face_id}, method="GET"), 400, "INVALID_FACE")


def test_face_id_is_required(st):
    assert error_of(st.call("/info/face", method="GET"), 400, "INVALID_ARGUMENT") == "must specify 'face_id' argument"
