"""The bad-image matrix on every dialect endpoint that takes a photo: empty, corrupted, truncated, not an image,
a decompression bomb, over the size limit, malformed base64 — each answered with the dialect's documented error, and
nothing stored. Runs with the real worker (the photos are decoded there)."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from tests.conformance.conftest import project_state
from tests.conformance.dialects import Endpoint, huawei

HUAWEI = {
    "empty": (400, "FRS.0016"),
    "corrupted": (400, "FRS.0016"),
    "truncated": (400, "FRS.0016"),
    "text": (400, "FRS.0016"),
    "bomb": (400, "FRS.0013"),
    "oversize": (400, "FRS.0017"),
    "bad base64": (400, "FRS.0015"),
}
SENSETIME = {
    "empty": (400, "CORRUPT_IMAGE"),
    "corrupted": (400, "CORRUPT_IMAGE"),
    "truncated": (400, "CORRUPT_IMAGE"),
    "text": (400, "CORRUPT_IMAGE"),
    "bomb": (400, "INVALID_IMAGE_FORMAT_OR_SIZE"),
    "oversize": (400, "IMAGE_FILE_SIZE_TOO_BIG"),
}


def _bomb() -> bytes:
    """A 10,000 x 10,000 PNG of a few kilobytes: 100 M pixels, over FACELIB_MAX_IMAGE_PIXELS once decoded."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")
    return out.getvalue()


def photo(kind: str, shared_data, *, limit: int) -> bytes:
    invalid = shared_data / "invalid"
    return {
        "empty": lambda: (invalid / "empty.png").read_bytes(),
        "corrupted": lambda: (invalid / "corrupted.png").read_bytes(),
        "truncated": lambda: (invalid / "truncated.jpg").read_bytes(),
        "text": lambda: b"this is not a photo\n" * 50,
        "bomb": _bomb,
        "oversize": lambda: b"\xff\xd8\xff\xe0" + b"\0" * limit,
    }[kind]()


@pytest.fixture
def unchanged(world):
    before = project_state(world["own"].project)
    yield
    assert project_state(world["own"].project) == before


@pytest.mark.parametrize("kind", sorted(HUAWEI))
def test_huawei_photo_endpoints(world, shared_data, settings, unchanged, kind):
    own = world["own"]
    dialect = huawei(own.project, own.huawei_token)
    if kind == "bad base64":
        encoded = "not*base64!"
    else:
        encoded = base64.b64encode(photo(kind, shared_data, limit=int(settings.FACELIB_MAX_IMAGE_BYTES))).decode()
    good = base64.b64encode((shared_data / "people/person02/img12.jpg").read_bytes()).decode()
    calls = [
        (f"face-sets/{own.face_set_name}/faces", {"image_base64": encoded}),
        (f"face-sets/{own.face_set_name}/search", {"image_base64": encoded}),
        ("face-detect", {"image_base64": encoded}),
        ("face-compare", {"image1_base64": encoded, "image2_base64": good}),
    ]
    for path, arguments in calls:
        if kind == "oversize" and path == "face-compare":
            continue  # the two photos together exceed the body limit first
        endpoint = Endpoint("POST", "/v2/{project_id}/" + path)
        dialect.assert_error(dialect.call(endpoint, arguments), HUAWEI[kind])


@pytest.mark.parametrize("kind", sorted(SENSETIME))
def test_sensetime_detection(world, shared_data, unchanged, kind):
    from facesets.api.sensetime.views.face import MAX_IMAGE_BYTES
    from tests.api.sensetime.helpers import SenseTime

    own = world["own"]
    caller = SenseTime(api_id=own.access_key, api_secret=own.secret, data=shared_data)  # multipart, as the SDK
    answer = caller.call("/face/detection", files={"file": photo(kind, shared_data, limit=MAX_IMAGE_BYTES)})
    assert (answer.status_code, answer.status) == SENSETIME[kind], answer.body
