"""Face++ v3 endpoints (`/facepp/v3/...`) as `python-facepp` (facepplib) and Face++'s own SDKs call them: every call a
POST with `api_key` and `api_secret` among form arguments (urlencoded or multipart; the query string works too),
unknown arguments ignored, every answer JSON with `request_id` and `time_used` (except the guide's bare errors and
the plain-text 413).

A FaceSet is a FaceLib face set (its `faceset_token`, `outer_id`, display name and tags are face-set fields), a
face token a FaceLib face: what one dialect adds, the others and the dashboard see. Detected faces are kept 72 hours
unless they join a FaceSet (services.lifecycle); a face removed from its last set gets 72 hours again. Scores are on
Face++'s 0..100 scale with its three thresholds (recognition.calibration).
"""

from __future__ import annotations

import time

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from facesets import selectors
from facesets.exceptions import DomainError, FaceSetNotFound, ImageInvalid, InvalidArgument
from facesets.models import Credential, Face, FaceSet
from facesets.services import jobs, matching
from facesets.services.faces import face_set_add_faces_fitting, face_set_remove_members, face_user_id_set
from facesets.services.library import face_set_create, face_set_delete, face_set_update
from facesets.services.lifecycle import Release
from facesets.services.runs import images_detect_run, search_hits

from ..common.arguments import Arguments, missing
from ..common.auth import credential_authenticate
from ..common.images import image_from_base64, image_from_upload, image_from_url
from ..common.parsers import BoundedJSONParser
from ..common.schema import form_endpoint
from ..common.views import DialectView
from . import wire
from .errors import BARE, ERRORS, FaceppError

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


def _schema(operation: str, summary: str, arguments: tuple = (), description: str = ""):
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


def _bare(data) -> bool:
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
        if isinstance(data, dict) and not _bare(data):
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


# --- images ----------------------------------------------------------------------------------------------------


class DetectView(FaceppView):
    @_schema(
        "detect",
        "Detect the faces of a photo: face tokens (kept 72 h), rectangles, landmarks and measured attributes",
        (
            *IMAGE_ARGUMENTS,
            ("return_landmark", int, False, "0 (default), 1: 83 points, 2: 106 points"),
            ("return_attributes", str, False, "none, or a comma list: headpose, blur, facequality, ..."),
            ("calculate_all", bool, False, "1: landmarks and attributes for every face, not the 5 largest"),
            ("face_rectangle", str, False, "top,left,width,height: only the detected face it overlaps most"),
        ),
        "Faces largest first. `return_landmark` 1 (83 points) or 2 (106); `return_attributes` from headpose, blur, "
        "facequality, eyestatus, mouthstatus, smiling (the others have no model here and are left out); the five "
        "largest faces are analysed unless `calculate_all=1`. JPG or PNG, 48-4096 px, at most 2 MB.",
    )
    def post(self, request):
        landmarks = self.args.integer("return_landmark", default=0, low=0, high=2)
        wanted = self.wanted_attributes()
        analysed = None if self.args.flag("calculate_all") else ANALYSED_FACES
        rectangle = self.rectangle()
        image, faces = self.detect({"": self.required_image()}, analysed=analysed)[""]
        faces = self.pick(faces, rectangle)
        body = [wire.face_body(face, landmarks=landmarks, wanted=wanted) for face in faces]
        return Response({"image_id": image.image_id, "faces": body, "face_num": len(body)})


class CompareView(FaceppView):
    max_body_bytes = COMPARE_BODY_MAX_BYTES

    @_schema(
        "compare",
        "Are two faces the same person? confidence 0..100 and the thresholds at FAR 1e-3, 1e-4, 1e-5",
        tuple(
            (name + suffix if name != "image_base64" else f"image_base64_{suffix}", kind, False, doc)
            for suffix in ("1", "2")
            for name, kind, _, doc in (
                ("face_token", str, False, "a face token (wins over the images)"),
                *IMAGE_ARGUMENTS,
                ("face_rectangle", str, False, "top,left,width,height: the detected face it overlaps most"),
            )
        ),
        "Each side is `face_token1` or an image (`image_file1` > `image_base64_1` > `image_url1`; the largest face, "
        "or the one `face_rectangle1` overlaps most). Sides given as images add `image_id1` and `faces1` (their "
        "detected faces, kept 72 h); with no face on a side, confidence and thresholds are left out.",
    )
    def post(self, request):
        faces: dict[str, Face | None] = {}
        images: dict[str, bytes] = {}
        for suffix in ("1", "2"):
            token = self.args.text(f"face_token{suffix}")
            if token:
                faces[suffix] = self.face(f"face_token{suffix}")
                continue
            data = self.image(suffix)
            if data is None:
                raise missing(
                    f"face_token{suffix}", f"image_url{suffix}", f"image_file{suffix}", f"image_base64_{suffix}"
                )
            images[suffix] = data
        rectangles = {suffix: self.rectangle(f"face_rectangle{suffix}") for suffix in images}
        body: dict = {}
        for suffix, (image, found) in self.detect(images).items() if images else ():
            found = self.pick(found, rectangles[suffix])
            body[f"image_id{suffix}"] = image.image_id
            body[f"faces{suffix}"] = [wire.short_face(face) for face in found]
            faces[suffix] = found[0] if found else None
        if faces["1"] is not None and faces["2"] is not None:
            cosine = matching.face_compare(face=faces["1"], other=faces["2"])
            body["confidence"] = wire.confidence(cosine)
            body["thresholds"] = wire.thresholds()
        return Response(body)


class SearchView(FaceppView):
    @_schema(
        "search",
        "The faces of a FaceSet most like a face (face_token or the largest face of an image)",
        (
            ("face_token", str, False, "the query face (wins over the images)"),
            *IMAGE_ARGUMENTS,
            *FACESET_ARGUMENTS,
            ("return_result_count", int, False, "1-5, default 1"),
            ("face_rectangle", str, False, "top,left,width,height: the detected face it overlaps most"),
        ),
        "`faceset_token` or `outer_id`; `return_result_count` 1-5. `results` best first with `confidence` 0..100 "
        "and `user_id`; with an image, `image_id` and `faces` (kept 72 h), and no results when it has no face.",
    )
    def post(self, request):
        count = self.args.integer("return_result_count", default=1, low=1, high=5)
        face_set = self.face_set()
        token = self.args.text("face_token")
        query = self.face() if token else None
        data = None if token else self.image()
        if query is None and data is None:
            raise missing("face_token", "image_url", "image_file", "image_base64")
        matching.face_set_require_faces(face_set=face_set)
        body: dict = {}
        if data is not None:
            image, found = self.detect({"": data})[""]
            found = self.pick(found, self.rectangle())
            body["image_id"] = image.image_id
            body["faces"] = [wire.short_face(face) for face in found]
            if not found:
                return Response(body)
            query = found[0]
        matches = matching.face_search_among(face=query, limit=count, face_set=face_set)
        hits = search_hits(project=self.project, matches=matches, face_set=face_set)
        body["results"] = [
            {"face_token": hit.face.face_token, "confidence": wire.confidence(hit.cosine), "user_id": hit.face.user_id}
            for hit in hits
        ]
        body["thresholds"] = wire.thresholds()
        return Response(body)


# --- FaceSets --------------------------------------------------------------------------------------------------


def _failure(token: str, reason: str) -> dict:
    return {"face_token": token, "reason": reason}


class FaceSetWriteView(FaceppView):
    def add_tokens(self, face_set: FaceSet, tokens: list[str]) -> tuple[int, list[dict]]:
        """Add faces by token as far as they are valid and fit: (how many were added, failure_detail)."""
        current = selectors.faces_current_by_id(project=self.project, face_ids=tokens, by="face_token")
        failures = [_failure(token, "INVALID_FACE_TOKEN") for token in tokens if token not in current]
        faces = [current[token] for token in dict.fromkeys(tokens) if token in current]
        members, over = face_set_add_faces_fitting(face_set=face_set, faces=faces)
        failures += [_failure(face.face_token, "QUOTA_EXCEEDED") for face in over]
        return len(members), failures

    @staticmethod
    def counted(face_set: FaceSet) -> int:
        face_set.refresh_from_db(fields=["face_count"])
        return face_set.face_count


class FaceSetCreateView(FaceSetWriteView):
    operation = "create"

    @_schema(
        "faceset_create",
        "Create a FaceSet (a FaceLib face set), optionally with up to 5 face tokens",
        (
            ("display_name", str, False, "at most 256 characters, none of ^@,&=*'\""),
            ("outer_id", str, False, "the client's id of the set: unique, at most 255 characters"),
            ("tags", str, False, "comma-separated tags, at most 255 characters"),
            ("face_tokens", str, False, "up to 5 comma-separated face tokens"),
            ("user_data", str, False, "at most 16 KB"),
            ("force_merge", bool, False, "1: an existing outer_id gets the tokens"),
        ),
        "`outer_id` unique per project; with `force_merge=1` an existing outer_id gets the tokens instead. "
        "`failure_detail` lists each token not added (INVALID_FACE_TOKEN, QUOTA_EXCEEDED).",
    )
    def post(self, request):
        display_name = self.label("display_name", 256)
        outer_id = self.label("outer_id", 255)
        tags = self.tags()
        user_data = self.label("user_data", 16 * 1024, max_bytes=16 * 1024)
        force_merge = self.args.flag("force_merge")
        given = bool((self.args.text("face_tokens") or "").strip()) if self.args.has("face_tokens") else False
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ADD) if given else []
        with transaction.atomic():
            face_set = None
            if outer_id and force_merge:
                try:
                    face_set = selectors.face_set_get(project=self.project, outer_id=outer_id)
                except FaceSetNotFound:
                    pass
            if face_set is None:
                capacity = FACESET_CAPACITY if self.project.max_face_set_capacity >= FACESET_CAPACITY else None
                face_set = face_set_create(
                    project=self.project,
                    name=None,
                    auto_name=True,
                    capacity=capacity,
                    user_data=user_data,
                    outer_id=outer_id,
                    display_name=display_name,
                    tags=tags,
                )
            added, failures = self.add_tokens(face_set, tokens)
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_added": added,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetAddFaceView(FaceSetWriteView):
    @_schema(
        "faceset_addface",
        "Add up to 5 face tokens to a FaceSet (they no longer expire)",
        (*FACESET_ARGUMENTS, ("face_tokens", str, True, "up to 5 comma-separated face tokens")),
    )
    def post(self, request):
        face_set = self.face_set()
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ADD)
        with transaction.atomic():
            added, failures = self.add_tokens(face_set, tokens)
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_added": added,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetRemoveFaceView(FaceSetWriteView):
    @_schema(
        "faceset_removeface",
        "Remove face tokens (up to 1,000, or RemoveAllFaceTokens) from a FaceSet",
        (*FACESET_ARGUMENTS, ("face_tokens", str, True, "up to 1,000 comma-separated tokens, or RemoveAllFaceTokens")),
        "`face_token` is accepted for `face_tokens` (the client sends it). A face left in no FaceSet expires 72 h "
        "later.",
    )
    def post(self, request):
        face_set = self.face_set()
        given = self.args.first("face_tokens", "face_token")
        if given is not None and (self.args.text(given) or "").strip() == REMOVE_ALL:
            members, failures = face_set.members.all(), []
        else:
            tokens = self.tokens("face_tokens", limit=TOKENS_PER_REMOVE, aliases=("face_token",))
            members = face_set.members.filter(face__face_token__in=tokens)
            present = set(members.values_list("face__face_token", flat=True))
            failures = [_failure(token, "INVALID_FACE_TOKEN") for token in tokens if token not in present]
        removed = face_set_remove_members(
            face_set=face_set, members=members, release=Release.EXPIRE, ttl_hours=TOKEN_TTL_HOURS
        )
        return Response(
            {
                "faceset_token": face_set.faceset_token,
                "outer_id": face_set.outer_id or "",
                "face_removed": removed,
                "face_count": self.counted(face_set),
                "failure_detail": failures,
            }
        )


class FaceSetUpdateView(FaceppView):
    operation = "update"

    @_schema(
        "faceset_update",
        "Change a FaceSet's outer_id, display_name, user_data or tags",
        (
            *FACESET_ARGUMENTS,
            ("new_outer_id", str, False, "the new outer_id"),
            ("display_name", str, False, "at most 256 characters"),
            ("user_data", str, False, "at most 16 KB"),
            ("tags", str, False, "comma-separated tags"),
        ),
    )
    def post(self, request):
        face_set = self.face_set()
        changes = {
            "outer_id": self.label("new_outer_id", 255),
            "display_name": self.label("display_name", 256),
            "user_data": self.label("user_data", 16 * 1024, max_bytes=16 * 1024),
            "tags": self.tags(),
        }
        if all(value is None for value in changes.values()):
            raise missing("new_outer_id", "display_name", "user_data", "tags")
        face_set = face_set_update(face_set=face_set, **changes)
        return Response({"faceset_token": face_set.faceset_token, "outer_id": face_set.outer_id or ""})


class FaceSetDetailView(FaceppView):
    @_schema(
        "faceset_getdetail",
        "A FaceSet's fields and its face tokens, 100 at a time from `start` (oldest first)",
        (*FACESET_ARGUMENTS, ("start", int, False, "1-10000, default 1")),
        "`next` (a string, as the reference types it) only when more face tokens remain.",
    )
    def post(self, request):
        face_set = self.face_set()
        start = self.args.integer("start", default=1, low=1, high=10_000)
        tokens = selectors.member_list(face_set=face_set).values_list("face__face_token", flat=True)
        page = selectors.page(tokens, offset=start - 1, limit=PAGE)
        body = {
            "faceset_token": face_set.faceset_token,
            "outer_id": face_set.outer_id or "",
            "display_name": face_set.display_name or "",
            "user_data": face_set.user_data or "",
            "tags": wire.tags_text(face_set),
            "face_count": face_set.face_count,
            "face_tokens": page.rows,
        }
        if page.has_more:
            body["next"] = str(start + PAGE)
        return Response(body)


class FaceSetDeleteView(FaceppView):
    @_schema(
        "faceset_delete",
        "Delete a FaceSet (check_empty=1, the default, refuses a FaceSet that holds faces)",
        (*FACESET_ARGUMENTS, ("check_empty", bool, False, "1 (default): refuse a FaceSet that holds faces")),
        "Its faces stay usable by token for 72 h unless they are in another FaceSet or belong to a person.",
    )
    def post(self, request):
        face_set = self.face_set()
        check_empty = self.args.flag("check_empty") if self.args.has("check_empty") else True
        if check_empty and face_set.face_count > 0:
            raise FaceppError("FACESET_NOT_EMPTY")
        token, outer_id = face_set.faceset_token, face_set.outer_id or ""
        face_set_delete(face_set=face_set, release=Release.EXPIRE, ttl_hours=TOKEN_TTL_HOURS)
        return Response({"faceset_token": token, "outer_id": outer_id})


class FaceSetListView(FaceppView):
    @_schema(
        "faceset_getfacesets",
        "The project's FaceSets (all of its face sets), 100 at a time, optionally only those with all the given tags",
        (("tags", str, False, "comma-separated: only sets with all of them"), ("start", int, False, "default 1")),
        "`next` only when more remain.",
    )
    def post(self, request):
        start = self.args.integer("start", default=1, low=1, high=10**9)
        face_sets = selectors.face_set_list(project=self.project, tags=self.tags())
        page = selectors.page(face_sets, offset=start - 1, limit=PAGE)
        body: dict = {"facesets": [wire.face_set_item(face_set) for face_set in page.rows]}
        if page.has_more:
            body["next"] = str(start + PAGE)
        return Response(body)


# --- faces -----------------------------------------------------------------------------------------------------


class FaceAnalyzeView(FaceppView):
    @_schema(
        "face_analyze",
        "Landmarks and measured attributes of up to 5 face tokens",
        (
            ("face_tokens", str, True, "up to 5 comma-separated face tokens"),
            ("return_landmark", int, False, "0, 1: 83 points, 2: 106 points"),
            ("return_attributes", str, False, "none, or a comma list of attributes"),
        ),
        "What detect measured for the face (the analysis is made when a face is detected through Face++'s detect, "
        "for its five largest faces or all with calculate_all=1); faces detected otherwise carry only their token "
        "and rectangle.",
    )
    def post(self, request):
        tokens = self.tokens("face_tokens", limit=TOKENS_PER_ANALYZE)
        landmarks = self.args.integer("return_landmark", default=0, low=0, high=2)
        wanted = self.wanted_attributes()
        if not landmarks and not wanted:
            raise FaceppError("VOID_REQUEST")
        faces = selectors.faces_get_current(project=self.project, face_ids=tokens, field="face_tokens", by="face_token")
        return Response({"faces": [wire.face_body(face, landmarks=landmarks, wanted=wanted) for face in faces]})


class FaceDetailView(FaceppView):
    @_schema(
        "face_getdetail", "A face token's user_id, image, rectangle and FaceSets", (("face_token", str, True, ""),)
    )
    def post(self, request):
        face = self.face()
        memberships = selectors.face_memberships(face=face)
        return Response(
            {
                "face_token": face.face_token,
                "user_id": face.user_id,
                "image_id": face.image.image_id if face.image else "",
                "face_rectangle": wire.rectangle(face),
                "facesets": [wire.face_set_item(member.face_set) for member in memberships],
            }
        )


class FaceSetUserIdView(FaceppView):
    @_schema(
        "face_setuserid",
        "Set a face token's user_id (at most 255 characters)",
        (("face_token", str, True, ""), ("user_id", str, True, "at most 255 characters, none of ^@,&=*'\"")),
    )
    def post(self, request):
        face = self.face()
        user_id = self.label("user_id", 255)
        if user_id is None:
            raise missing("user_id")
        face_user_id_set(face=face, user_id=user_id)
        return Response({"face_token": face.face_token, "user_id": face.user_id})


@extend_schema(exclude=True)
class UnknownApiView(FaceppView):
    """Any other path or method under /facepp/, and the 1000-point landmark product FaceLib has no model for:
    404 API_NOT_FOUND, in JSON."""

    def initial(self, request, *args, **kwargs) -> None:
        raise FaceppError("API_NOT_FOUND")

    def post(self, request, *args, **kwargs):  # never reached: initial answers
        raise FaceppError("API_NOT_FOUND")

    get = put = patch = delete = post
