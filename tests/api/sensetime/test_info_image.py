"""/info/image: an analysed image's size, user data and (with_faces=1) faces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.sensetime.helpers import error_of

GROUP_PHOTO = "groups/face_recognition__two_people.jpg"


@pytest.fixture(scope="module")
def detected(st):
    answer = st.detect(GROUP_PHOTO, user_data="test")
    assert len(answer.body["faces"]) == 2, answer.body
    return answer.body


def test_info_image_without_faces(st, detected):
    # httpie's form of the document's example: GET with the arguments as a JSON body.
    answer = st.call("/info/image", {"image_id": detected["image_id"]}, method="GET", form="json")
    assert answer.status_code == 200
    assert answer.body == {
        "status": "OK",
        "image_id": detected["image_id"],
        "width": detected["width"],
        "height": detected["height"],
        "user_data": "test",
    }


def test_info_image_with_faces(st, detected):
    # curl's form: everything in the query string.
    answer = st.call("/info/image", {"image_id": detected["image_id"], "with_faces": 1}, method="GET", form="query")
    faces = answer.body["faces"]
    assert [face["face_id"] for face in faces] == [face["face_id"] for face in detected["faces"]]
    for face, found in zip(faces, detected["faces"], strict=True):
        assert face["rect"] == found["rect"]
        assert face["eye_dist"] == found["eye_dist"]
        assert face["landmarks5"] == found["landmarks5"]
        assert face["landmarks21"] == found["landmarks21"]
        assert set(face["attributes"]) == {
            "yaw", "pitch", "roll", "smile", "sharpness", "illumination", "detection_score"
        }  # fmt: skip


def test_an_unknown_or_expired_image_is_invalid(st, detected):
    from facesets.models import Image

    error_of(
        st.call("/info/image", {"image_id": "3b0325f509124e8a8c601bfef4b052cf"}, method="GET"), 400, "INVALID_IMAGE"
    )
    other = st.detect("people/person02/img12.jpg").body["image_id"]
    Image.objects.filter(image_id=other).update(expires=timezone.now() - timedelta(seconds=1))
    error_of(st.call("/info/image", {"image_id": other}, method="GET", form="query"), 400, "INVALID_IMAGE")


def test_image_id_is_required(st):
    reason = error_of(st.call("/info/image", {}, method="GET"), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'image_id' argument"
    reason = error_of(
        st.call("/info/image", {"image_id": "x", "with_faces": "maybe"}, method="GET"), 400, "INVALID_ARGUMENT"
    )
    assert "'with_faces'" in reason


def test_another_projects_image_is_invalid(account_factory, detected):
    other = account_factory()
    error_of(other.call("/info/image", {"image_id": detected["image_id"]}, method="GET"), 400, "INVALID_IMAGE")
