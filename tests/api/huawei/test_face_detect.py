"""Face detection (spec 4.1) through huaweicloudsdkfrs: every face, the attributes FaceLib measures, errors."""

from __future__ import annotations

import base64
import io

import pytest
from huaweicloudsdkfrs.v2 import model as frs

from tests.api.huawei.helpers import as_dict, b64, form_file, frs_error

ONE_FACE = "people/person02/img12.jpg"
TWO_FACES = "groups/face_recognition__two_people.jpg"
SIX_FACES = "groups/facenet-pytorch__multiface.jpg"
NOT_MEASURED = {"gender", "dress", "glass", "hat", "age", "mask", "beard", "phototype", "hair", "expression"}


def detect(client, env, photo, attributes=None):
    request = frs.DetectFaceByBase64Request(
        body=frs.FaceDetectBase64Req(image_base64=b64(env.photo(photo)), attributes=attributes)
    )
    return client.detect_face_by_base64(request)


def check_box(box: dict) -> None:
    assert set(box) == {"width", "top_left_y", "top_left_x", "height"}
    assert all(isinstance(value, int) for value in box.values())
    assert box["width"] > 0 and box["height"] > 0 and box["top_left_x"] >= 0 and box["top_left_y"] >= 0


def test_detect_by_base64(client, frs_env):
    response = detect(client, frs_env, ONE_FACE)
    assert response.x_request_id
    faces = as_dict(response)["faces"]
    assert len(faces) == 1
    assert faces[0]["attributes"] is None  # none asked for: the key is absent
    check_box(faces[0]["bounding_box"])
    assert faces[0]["bounding_box"] == {"width": 137, "top_left_y": 68, "top_left_x": 223, "height": 196}


def test_detect_every_face_largest_first(client, frs_env):
    faces = as_dict(detect(client, frs_env, SIX_FACES))["faces"]
    assert len(faces) == 6
    areas = [face["bounding_box"]["width"] * face["bounding_box"]["height"] for face in faces]
    assert areas == sorted(areas, reverse=True)


def test_detect_by_file_and_by_url(client, frs_env, image_server, private_urls_allowed):
    by_file = client.detect_face_by_file(
        frs.DetectFaceByFileRequest(
            body=frs.DetectFaceByFileRequestBody(image_file=form_file(frs_env.photo(TWO_FACES)))
        )
    )
    faces = as_dict(by_file)["faces"]
    assert len(faces) == 2
    url = image_server.serve("/detect/two.jpg", frs_env.photo(TWO_FACES).read_bytes())
    by_url = client.detect_face_by_url(frs.DetectFaceByUrlRequest(body=frs.FaceDetectUrlReq(image_url=url)))
    assert as_dict(by_url)["faces"] == faces


def test_attributes_are_only_what_facelib_measures(client, frs_env):
    faces = as_dict(detect(client, frs_env, ONE_FACE, attributes="1,2,4,6,7,8,11,12,13,21"))["faces"]
    attributes = faces[0]["attributes"]
    assert {name for name, value in attributes.items() if value is not None} == {"quality"}
    assert all(attributes[name] is None for name in NOT_MEASURED)
    quality = attributes["quality"]
    assert {name for name, value in quality.items() if value is not None} == {"blur", "pose", "illumination"}
    assert all(0.0 <= quality[name] <= 1.0 for name in ("blur", "pose", "illumination"))
    assert quality["pose"] < 0.3  # a frontal face
    assert as_dict(detect(client, frs_env, ONE_FACE, attributes="12"))["faces"][0]["attributes"] == attributes
    # Asking only for what FaceLib does not estimate gives no attributes at all.
    assert as_dict(detect(client, frs_env, ONE_FACE, attributes="1,2,21"))["faces"][0]["attributes"] is None


def test_quality_tells_a_blurred_face(client, frs_env, tmp_path):
    from PIL import Image, ImageFilter

    sharp = as_dict(detect(client, frs_env, ONE_FACE, attributes="12"))["faces"][0]["attributes"]["quality"]
    blurred = tmp_path / "blurred.jpg"
    Image.open(frs_env.photo(ONE_FACE)).filter(ImageFilter.GaussianBlur(4)).save(blurred)
    request = frs.DetectFaceByFileRequest(
        body=frs.DetectFaceByFileRequestBody(image_file=form_file(blurred), attributes="12")
    )
    faces = as_dict(client.detect_face_by_file(request))["faces"]
    assert faces[0]["attributes"]["quality"]["blur"] > sharp["blur"]


def test_a_photo_without_faces_has_none(client, frs_env):
    assert as_dict(detect(client, frs_env, "no_face/rocket.jpg"))["faces"] == []


@pytest.mark.parametrize(
    ("code", "photo", "attributes"),
    [
        ("FRS.0016", "people/person03/img47.jpg", None),
        ("FRS.0016", "formats/formats/albert_einstein/einstein.webp", None),
        ("FRS.0016", "invalid/empty.png", None),
        ("FRS.0012", ONE_FACE, "12,99"),
        ("FRS.0012", ONE_FACE, "quality"),
    ],
)
def test_detect_errors(client, frs_env, code, photo, attributes):
    with frs_error(code):
        detect(client, frs_env, photo, attributes)


def test_bad_base64_and_oversized_images(client):
    from PIL import Image

    with frs_error("FRS.0015"):
        client.detect_face_by_base64(frs.DetectFaceByBase64Request(body=frs.FaceDetectBase64Req(image_base64="%%%")))
    buffer = io.BytesIO()
    Image.new("1", (8, 10_001)).save(buffer, format="PNG")
    with frs_error("FRS.0013"):
        client.detect_face_by_base64(
            frs.DetectFaceByBase64Request(
                body=frs.FaceDetectBase64Req(image_base64=base64.b64encode(buffer.getvalue()).decode())
            )
        )


def test_the_intl_variant_answers_the_same(client, frs_env):
    request = frs.DetectFaceByBase64IntlRequest(body=frs.FaceDetectBase64Req(image_base64=b64(frs_env.photo(ONE_FACE))))
    faces = as_dict(client.detect_face_by_base64_intl(request))["faces"]
    assert faces == as_dict(detect(client, frs_env, ONE_FACE))["faces"]
