"""/face/detection: a photo (multipart `file` or `url`) -> image id, size, orientation, faces."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from PIL import Image

from tests.api.sensetime.helpers import TOO_WIDE, WEBP_IN_DISGUISE, error_of

UPRIGHT = "people/person02/img12.jpg"  # 560 x 415, one face, no EXIF
WITH_EXIF = "people/person04/img14.jpg"  # EXIF orientation 1


def encoded(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def turned(st, name: str, degrees_counter_clockwise: int) -> bytes:
    """The photo as a sideways or upside-down camera would store it (pixels turned, no EXIF)."""
    image = Image.open(io.BytesIO(st.photo(name))).convert("RGB")
    return encoded(image.rotate(degrees_counter_clockwise, expand=True))


def test_detection_of_an_uploaded_photo(st):
    answer = st.detect(UPRIGHT)
    assert answer.status_code == 200
    body = answer.body
    assert body["status"] == "OK"
    assert re.fullmatch(r"[0-9a-f]{32}", body["image_id"])
    assert (body["width"], body["height"]) == (560, 415)
    assert "exif_orientation" not in body and "rotate" not in body
    [face] = body["faces"]
    assert re.fullmatch(r"[A-Za-z]{8}", face["face_id"])
    rect = face["rect"]
    assert set(rect) == {"left", "top", "right", "bottom"}
    assert 0 <= rect["left"] < rect["right"] <= 560 and 0 <= rect["top"] < rect["bottom"] <= 415
    assert isinstance(face["eye_dist"], int) and 10 < face["eye_dist"] < rect["right"] - rect["left"]
    assert len(face["landmarks5"]) == 5 and all(len(point) == 2 for point in face["landmarks5"])
    left_eye, right_eye = face["landmarks5"][:2]
    assert rect["left"] < left_eye[0] < right_eye[0] < rect["right"]
    # The document's 21 points always, from the face analysis: inside the face's neighbourhood, the pupils (7, 10)
    # on the eye line the detector found.
    assert len(face["landmarks21"]) == 21
    width = rect["right"] - rect["left"]
    assert all(rect["left"] - width / 4 < x < rect["right"] + width / 4 for x, _ in face["landmarks21"])
    for pupil, eye in ((face["landmarks21"][7], left_eye), (face["landmarks21"][10], right_eye)):
        assert abs(pupil[0] - eye[0]) < width / 10 and abs(pupil[1] - eye[1]) < width / 10
    # Asked for only: attributes, 106 points.
    assert not {"attributes", "landmarks106"} & set(face)


def test_detected_ids_expire_after_five_days(st):
    from facesets.models import Face
    from facesets.models import Image as ImageRow

    answer = st.detect(UPRIGHT)
    face = Face.objects.get(face_id=answer.body["faces"][0]["face_id"])
    image = ImageRow.objects.get(image_id=answer.body["image_id"])
    five_days = timezone.now() + timedelta(days=5)
    assert abs((face.expires - five_days).total_seconds()) < 120
    assert image.expires == face.expires


def test_attributes_are_the_measured_pose_and_quality(st):
    [face] = st.detect(UPRIGHT, attributes=1, landmarks106=1).body["faces"]
    attributes = face["attributes"]
    assert set(attributes) == {"yaw", "pitch", "roll", "smile", "sharpness", "illumination", "detection_score"}
    assert all(-90 <= attributes[key] <= 90 for key in ("yaw", "pitch", "roll"))
    assert 1 <= attributes["smile"] <= 100
    assert 0 < attributes["detection_score"] <= 1
    assert 0 <= attributes["sharpness"] <= 1 and 0 <= attributes["illumination"] <= 1
    assert len(face["landmarks106"]) == 106
    # Nothing FaceLib has no model for is invented.
    assert not {"age", "gender", "attractive", "eyeglass", "sunglass"} & set(attributes)


def test_exif_orientation_is_reported_when_the_photo_has_one(st):
    assert st.detect(WITH_EXIF).body["exif_orientation"] == 1
    # Stored turned 90 degrees with EXIF orientation 6 ("turn clockwise to view"): detected upright.
    image = Image.open(io.BytesIO(st.photo(UPRIGHT))).convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6
    answer = st.call("/face/detection", files={"file": encoded(image, exif=exif.tobytes())})
    assert answer.body["exif_orientation"] == 6
    assert (answer.body["width"], answer.body["height"]) == (560, 415)
    assert len(answer.body["faces"]) == 1


@pytest.mark.parametrize(("counter_clockwise", "rotate"), [(90, "cw90"), (180, "cw180"), (270, "cw270")])
def test_auto_rotate_turns_the_photo_until_the_face_is_upright(st, counter_clockwise, rotate):
    photo = turned(st, UPRIGHT, counter_clockwise)
    answer = st.call("/face/detection", {"auto_rotate": 1}, files={"file": photo})
    assert answer.body["rotate"] == rotate
    assert (answer.body["width"], answer.body["height"]) == (560, 415)  # the turned photo's size
    [face] = answer.body["faces"]
    left_eye, right_eye, nose = face["landmarks5"][:3]
    assert left_eye[0] < nose[0] < right_eye[0] and nose[1] > max(left_eye[1], right_eye[1])


def test_without_auto_rotate_a_sideways_face_is_not_found(st):
    answer = st.call("/face/detection", files={"file": turned(st, UPRIGHT, 90)})
    assert answer.body["faces"] == [] and "rotate" not in answer.body
    assert (answer.body["width"], answer.body["height"]) == (415, 560)


def test_auto_rotate_leaves_an_upright_photo_alone(st):
    answer = st.detect(UPRIGHT, auto_rotate=1)
    assert "rotate" not in answer.body and len(answer.body["faces"]) == 1


def test_user_data_is_kept_with_the_image(st):
    answer = st.detect(UPRIGHT, user_data="test")
    info = st.call("/info/image", {"image_id": answer.body["image_id"]}, method="GET", form="query")
    assert info.body["user_data"] == "test"


def test_a_photo_without_a_face_has_no_faces(st):
    answer = st.detect("no_face/coffee.jpg")
    assert answer.status_code == 200 and answer.body["faces"] == []


@pytest.mark.parametrize("fmt", ["BMP", "PNG", "GIF", "TIFF"])
def test_the_documented_formats_are_accepted(st, fmt):
    image = Image.open(io.BytesIO(st.photo(UPRIGHT))).convert("RGB")
    answer = st.call("/face/detection", files={"file": encoded(image, fmt)})
    assert answer.status_code == 200 and len(answer.body["faces"]) == 1, (fmt, answer.body)


class PhotoServer:
    """A local HTTP server: /photo.jpg is a photo, /slow.jpg answers after 3 s, anything else 404."""

    def __init__(self, photo: bytes) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                if self.path == "/slow.jpg":
                    outer.release.wait(3)
                if self.path in ("/photo.jpg", "/slow.jpg"):
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(photo)))
                    self.end_headers()
                    self.wfile.write(photo)
                else:
                    self.send_error(404)

            def log_message(self, *args):
                pass

        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


@pytest.fixture
def photo_server(st, settings):
    settings.FACELIB_ALLOW_PRIVATE_URLS = True  # the test server is on 127.0.0.1
    settings.FACELIB_URL_FETCH_TIMEOUT = 0.5
    server = PhotoServer(st.photo(UPRIGHT))
    yield server
    server.close()


def test_detection_of_a_photo_at_a_url(st, photo_server):
    answer = st.call("/face/detection", {"url": f"{photo_server.url}/photo.jpg"}, form="query")
    assert answer.status_code == 200 and len(answer.body["faces"]) == 1


def test_url_errors(st, photo_server):
    error_of(st.call("/face/detection", {"url": f"{photo_server.url}/missing.jpg"}), 400, "DOWNLOAD_ERROR")
    started = time.monotonic()
    error_of(st.call("/face/detection", {"url": f"{photo_server.url}/slow.jpg"}), 400, "DOWNLOAD_TIMEOUT")
    assert time.monotonic() - started < 3  # gave up before the server answered
    assert "'url'" in error_of(st.call("/face/detection", {"url": "ftp://example.com/a.jpg"}), 400, "INVALID_ARGUMENT")


def test_a_private_address_is_refused_by_default(st):
    error_of(st.call("/face/detection", {"url": "http://127.0.0.1:9/photo.jpg"}), 400, "DOWNLOAD_ERROR")


def test_file_or_url_is_required(st):
    reason = error_of(st.call("/face/detection", {"user_data": "x"}), 400, "INVALID_ARGUMENT")
    assert reason == "must specify 'file' or 'url' argument"  # the document's own example


def test_file_must_be_uploaded_not_named(st):
    reason = error_of(st.call("/face/detection", {"file": "/PATH/TO/IMAGE"}), 400, "INVALID_ARGUMENT")
    assert "'file'" in reason


def test_bad_flags_are_invalid_arguments(st):
    answer = st.call("/face/detection", {"attributes": 2}, files={"file": st.photo(UPRIGHT)})
    assert "'attributes'" in error_of(answer, 400, "INVALID_ARGUMENT")


@pytest.mark.parametrize("name", ["invalid/corrupted.png", "invalid/empty.png", "invalid/truncated.jpg"])
def test_broken_files_are_corrupt_images(st, name):
    error_of(st.detect(name), 400, "CORRUPT_IMAGE")


def test_other_formats_and_sizes_are_refused(st):
    error_of(st.detect(WEBP_IN_DISGUISE), 400, "INVALID_IMAGE_FORMAT_OR_SIZE")
    error_of(st.detect(TOO_WIDE), 400, "INVALID_IMAGE_FORMAT_OR_SIZE")  # 4352 px > 4000
    tiny = encoded(Image.new("RGB", (8, 8), "white"))
    error_of(st.call("/face/detection", files={"file": tiny}), 400, "INVALID_IMAGE_FORMAT_OR_SIZE")


def test_files_over_five_megabytes_are_too_big(st):
    error_of(
        st.call("/face/detection", files={"file": b"\xff" * (5 * 1024 * 1024 + 1)}), 400, "IMAGE_FILE_SIZE_TOO_BIG"
    )


def test_a_body_over_the_server_limit_is_413(st, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    error_of(st.call("/face/detection", {"url": "x" * 2048}), 413, "REQUEST_ENTITY_TOO_LARGE")
