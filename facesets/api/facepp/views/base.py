"""What the Face++ v3 views share: the limits, the arguments every call takes, the schema of an endpoint and the
base view (authentication, argument parsing, the answer's envelope)."""

from __future__ import annotations

import time

from drf_spectacular.types import OpenApiTypes
from rest_framework.parsers import FormParser, MultiPartParser

from facesets import selectors
from facesets.exceptions import DomainError, ImageInvalid, InvalidArgument
from facesets.models import Credential, Face, FaceSet
from facesets.services import jobs
from facesets.services.runs import images_detect_run

from ...common.arguments import Arguments, missing
from ...common.auth import credential_authenticate
from ...common.images import image_from_base64, image_from_upload, image_from_url
from ...common.parsers import BoundedJSONParser
from ...common.schema import form_endpoint
from ...common.views import DialectView
from .. import wire
from ..errors import BARE, ERRORS, FaceppError

TAG = "Face++ v3"
FORBIDDEN = frozenset("^@,&=*'\"")
IMAGE_FORMATS = ["JPEG", "PNG"]
IMAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_SIDE = 4096
IMAGE_MIN_SIDE = 48
# A request carries an image of at most 2 MB as base64 (4/3) percent-encoded (a few %): 3 MB with the other
# fields; compare carries two. Over that, the guide's plain-text 413.
BODY_MAX_BYTES = 3 * 1024 * 1024
COMPARE_BODY_MAX_BYTES = 6 * 1024 * 1024
TOKEN_TTL_HOURS = 72
ANALYSED_FACES = 5  # landmarks and attributes for the five largest faces unless calculate_all=1
FACESET_CAPACITY = 10_000
TOKENS_PER_ADD = 5
TOKENS_PER_REMOVE = 1_000
TOKENS_PER_ANALYZE = 5
PAGE = 100
REMOVE_ALL = "RemoveAllFaceTokens"


CREDENTIALS = (
    ("api_key", str, True, "the project credential's access key (in the body, as the clients send it, or the query)"),
    ("api_secret", str, True, "the credential's secret key"),
)
IMAGE_ARGUMENTS = (
    ("image_file", bytes, False, "the photo (multipart); JPG or PNG, 48-4096 px, at most 2 MB"),
    ("image_base64", str, False, "the photo as base64 (if no image_file)"),
    ("image_url", str, False, "http(s) address of the photo, fetched within 5 s (if neither of the above)"),
)
FACESET_ARGUMENTS = (
    ("faceset_token", str, False, "the FaceSet's token"),
    ("outer_id", str, False, "or its outer_id"),
)


def endpoint_schema(operation: str, summary: str, arguments: tuple = (), description: str = ""):
    return form_endpoint(
        operation_id=f"facepp_{operation}",
        tag=TAG,
        summary=summary,
        description=(description + "\n\n" if description else "")
        + "POST with `api_key` and `api_secret` among the form arguments (application/x-www-form-urlencoded, or "
        "multipart/form-data with `image_file*` parts). Answers carry `request_id` and `time_used`; errors are "
        "`error_message` = `REASON` or `REASON: details` with the guide's HTTP status; a body over the limit gets the "
        "plain-text 413 `Request Entity Too Large`.",
        arguments=arguments,
        credentials=CREDENTIALS,
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
            401: OpenApiTypes.OBJECT,
            403: OpenApiTypes.OBJECT,
            412: OpenApiTypes.OBJECT,
            413: OpenApiTypes.STR,
        },
        content_types=("application/x-www-form-urlencoded", "multipart/form-data"),
    )


def is_bare(data) -> bool:
    """Whether an answer is one the guide sends without request_id and time_used."""
    message = data.get("error_message", "") if isinstance(data, dict) else ""
    if not isinstance(message, str) or not message:
        return False
    return message.split(":")[0].strip() in BARE or message in (
        "MISSING_ARGUMENTS: api_key",
        "MISSING_ARGUMENTS: api_secret",
    )


class FaceppView(DialectView):
    """Base of the Face++ views: the credential from api_key/api_secret, the argument and image rules, the detection
    of one or two photos in the workers, `request_id` and `time_used` on every answer."""

    interface = "facepp"  # the audit log's name of this dialect

    errors = ERRORS
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]
    max_body_bytes = BODY_MAX_BYTES
    started = 0.0
    image_fields: dict[str, str]

    def initial(self, request, *args, **kwargs) -> None:
        self.started = time.monotonic()
        self.image_fields = {}
        if request.method != "POST":  # the guide: every API is POST; any other method is no API
            raise FaceppError("API_NOT_FOUND")
        super().initial(request, *args, **kwargs)

    def authenticate_caller(self, request) -> Credential:
        self.args = Arguments(request)
        for name in ("api_key", "api_secret"):
            if not self.args.text(name):
                raise FaceppError("MISSING_ARGUMENTS", name, bare=True)
        credential = credential_authenticate(access_key=self.args.text("api_key"), secret=self.args.text("api_secret"))
        self.project = credential.project
        return credential

    def handle_exception(self, exc):
        given = getattr(self, "image_fields", {})
        if isinstance(exc, ImageInvalid) and exc.field in (None, "image") and len(given) == 1:
            exc.field = next(iter(given.values()))  # the worker names no argument; this call had one
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if isinstance(data, dict) and not is_bare(data):
            data.setdefault("request_id", wire.request_id(request))
            data.setdefault("time_used", int((time.monotonic() - self.started) * 1000) if self.started else 0)
            if getattr(response, "is_rendered", False):
                response._is_rendered = False
                response.render()
        return response

    # --- arguments

    def label(self, name: str, max_length: int, *, max_bytes: int | None = None) -> str | None:
        """A free-text argument under the reference's rules: at most `max_length` characters (or `max_bytes`), none
        of ^@,&=*'" (BAD_ARGUMENTS: <name>); None when absent."""
        value = self.args.text(name)
        if value is None:
            return None
        too_long = len(value.encode()) > max_bytes if max_bytes else len(value) > max_length
        if too_long or FORBIDDEN & set(value):
            raise InvalidArgument(f"{name}: at most {max_length} characters, none of ^@,&=*'\"", field=name)
        return value

    def tags(self) -> list[str] | None:
        value = self.args.text("tags")
        if value is None:
            return None
        tags = [tag.strip() for tag in value.split(",") if tag.strip()]
        if len(value) > 255 or any(FORBIDDEN & set(tag) for tag in tags):
            raise InvalidArgument("tags: at most 255 characters, no tag with ^@,&=*'\"", field="tags")
        return tags

    def tokens(self, name: str, *, limit: int, aliases: tuple[str, ...] = ()) -> list[str]:
        """A comma-separated list of face tokens: MISSING_ARGUMENTS when absent, INVALID_FACE_TOKENS_SIZE when empty
        or over `limit`."""
        given = self.args.first(name, *aliases)
        if given is None:
            raise missing(name)
        tokens = self.args.ids(given) or []
        if not tokens or len(tokens) > limit:
            raise FaceppError("INVALID_FACE_TOKENS_SIZE")
        return tokens

    def wanted_attributes(self) -> set[str]:
        value = (self.args.text("return_attributes") or "none").strip()
        if value.lower() == "none":
            return set()
        names = {name.strip().lower() for name in value.split(",") if name.strip()}
        if not names or names - set(wire.ATTRIBUTES):
            raise InvalidArgument("return_attributes: none or a list of Face++ attributes", field="return_attributes")
        return {"smiling" if name == "smile" else name for name in names}

    def rectangle(self, name: str = "face_rectangle") -> tuple[int, int, int, int] | None:
        value = self.args.text(name)
        if value is None or not value.strip():
            return None
        try:
            top, left, width, height = (int(part) for part in value.split(","))
        except ValueError:
            raise InvalidArgument(f"{name}: top,left,width,height", field=name) from None
        if top < 0 or left < 0 or width <= 0 or height <= 0:
            raise InvalidArgument(f"{name}: top,left,width,height", field=name)
        return top, left, width, height

    def image(self, suffix: str = "") -> bytes | None:
        """The image of a call (compare's sides have suffix "1", "2"): image_file > image_base64 > image_url, as the
        reference orders them (not COEXISTENCE_ARGUMENTS); None when none is given."""
        file_name = f"image_file{suffix}"
        base64_name = f"image_base64_{suffix}" if suffix else "image_base64"
        url_name = f"image_url{suffix}"
        upload = self.args.upload(file_name)
        if upload is not None:
            self.image_fields[suffix] = file_name
            return image_from_upload(upload, field=file_name, max_bytes=IMAGE_MAX_BYTES)
        text = self.args.text(base64_name)
        if text:
            self.image_fields[suffix] = base64_name
            return image_from_base64(text.replace(" ", "+"), field=base64_name, max_bytes=IMAGE_MAX_BYTES)
        url = self.args.text(url_name)
        if url:
            self.image_fields[suffix] = url_name
            return image_from_url(url, field=url_name, max_bytes=IMAGE_MAX_BYTES)
        return None

    def required_image(self) -> bytes:
        data = self.image()
        if data is None:
            raise missing("image_url", "image_file", "image_base64")
        return data

    def detect(self, images: dict[str, bytes], *, analysed: int | None = 0) -> dict:
        """Detect and keep (72 h) the faces of one or two photos in parallel, each analysed for its `analysed`
        largest faces (None: all; 0: none): {suffix: (Image, faces largest first)}."""
        params = jobs.ImageDetectUpright(
            formats=IMAGE_FORMATS,
            ttl_hours=TOKEN_TTL_HOURS,
            analysis=analysed != 0,
            analysis_max_faces=analysed,
            max_bytes=IMAGE_MAX_BYTES,
            max_side=IMAGE_MAX_SIDE,
            min_side=IMAGE_MIN_SIDE,
        )
        outcomes = images_detect_run(project=self.project, images=list(images.values()), params=params)
        detected = {}
        for suffix, outcome in zip(images, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                if outcome.field in (None, "image"):
                    outcome.field = self.image_fields.get(suffix)
                raise outcome
            detected[suffix] = outcome
        return detected

    @staticmethod
    def pick(faces: list[Face], rectangle: tuple[int, int, int, int] | None) -> list[Face]:
        """All faces, largest first; with a face_rectangle only the face that overlaps it most (none when no face
        does): FaceLib always detects, and the rectangle chooses among the faces found."""
        if rectangle is None:
            return faces
        top, left, width, height = rectangle

        def overlap(face: Face) -> float:
            x1, y1 = max(left, face.box_x), max(top, face.box_y)
            x2 = min(left + width, face.box_x + face.box_width)
            y2 = min(top + height, face.box_y + face.box_height)
            inter = max(0, x2 - x1) * max(0, y2 - y1)
            union = width * height + face.box_width * face.box_height - inter
            return inter / union if union else 0.0

        best = max(faces, key=overlap, default=None)
        return [best] if best is not None and overlap(best) > 0 else []

    def face(self, name: str = "face_token") -> Face:
        token = self.args.text(name, required=True)
        return selectors.face_get_current(project=self.project, face_id=token, field=name, by="face_token")

    def face_set(self) -> FaceSet:
        token, outer_id = self.args.text("faceset_token"), self.args.text("outer_id")
        if token:
            return selectors.face_set_get(project=self.project, faceset_token=token)
        if outer_id:
            return selectors.face_set_get(project=self.project, outer_id=outer_id)
        raise missing("faceset_token", "outer_id")
