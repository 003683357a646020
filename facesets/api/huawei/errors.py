"""Huawei FRS v2 errors: every code of the spec's section 6.2 that FaceLib can produce, with its HTTP status, and the
one table that turns a domain error into one of them.

The envelope is `{"error_code": "FRS.0012", "error_msg": "..."}`. Which code a domain error becomes can depend on
the operation: a photo without a face is FRS.0404 when adding, FRS.0304 when searching and FRS.0501 when comparing.
"""

from __future__ import annotations

import logging

from rest_framework.exceptions import APIException, UnsupportedMediaType

from facesets.exceptions import (
    AlreadyExists,
    AuthenticationFailed,
    DomainError,
    FaceNotFound,
    FaceSetFull,
    FaceSetNameTaken,
    FaceSetNotFound,
    FaceTooSmall,
    FilterInvalid,
    ImageFetchFailed,
    ImageInvalid,
    InvalidArgument,
    InvalidFieldValue,
    MissingArgument,
    ModelMismatch,
    NoFace,
    NotFound,
    QuotaExceeded,
    SortInvalid,
    Timeout,
    TokenExpired,
    VideoInvalid,
)
from facesets.services.ratelimit import RateLimit

from ..common.views import DialectError, ErrorTable

logger = logging.getLogger(__name__)

# code -> (HTTP status, the spec's description, used when there is no better message)
CODES: dict[str, tuple[int, str]] = {
    "FRS.0002": (403, "The authentication token is abnormal."),
    "FRS.0010": (400, "The request header is missing or empty."),
    "FRS.0011": (400, "A required parameter is missing."),
    "FRS.0012": (400, "A request parameter is in an invalid format."),
    "FRS.0013": (400, "The size of the face image is too large or too small."),
    "FRS.0014": (400, "The input is not in JSON format."),
    "FRS.0015": (400, "The image could not be decoded from base64."),
    "FRS.0016": (400, "The file format is not supported."),
    "FRS.0017": (400, "The request body is too large."),
    "FRS.0018": (500, "The service inner error."),
    "FRS.0021": (400, "Invalid OBS url."),
    "FRS.0022": (400, "Failed to get the file."),
    "FRS.0023": (400, "The file is too large."),
    "FRS.0024": (400, "The file does not exist."),
    "FRS.0028": (403, "The project id does not match the token."),
    "FRS.0029": (400, "The filter is invalid."),
    "FRS.0030": (400, "A return field is not defined."),
    "FRS.0031": (400, "The sort field is not among the returned fields."),
    "FRS.0032": (400, "The sort field or its type is not supported; only numeric fields can be sorted on."),
    "FRS.0033": (400, "Too many requests: the rate limit is exceeded."),
    "FRS.0035": (400, "The download address is invalid."),
    "FRS.0036": (400, "Failed to get the file from the url."),
    "FRS.0301": (400, "The face set already exists."),
    "FRS.0302": (400, "The face set does not exist."),
    "FRS.0304": (400, "Detect no face, can not search."),
    "FRS.0305": (400, "The number of face sets exceeds the limit."),
    "FRS.0306": (403, "The face set is full, can not add more faces."),
    "FRS.0401": (400, "No face has this field value, can not delete."),
    "FRS.0402": (400, "The field does not exist."),
    "FRS.0403": (400, "The face id does not exist."),
    "FRS.0404": (400, "Detect no face, can not add it to face set."),
    "FRS.0405": (400, "The custom field is not defined, can not add it."),
    "FRS.0406": (400, "The value does not match the type of its field."),
    "FRS.0407": (400, "All the data not suitable, no data to be deleted."),
    "FRS.0501": (400, "Detect no face, check out your picture."),
    "FRS.0701": (400, "Parse video data failed."),
    "FRS.0702": (400, "The action is not supported."),
    "FRS.0703": (400, "The action_time is illegal."),
    "FRS.0704": (400, "More than 10 actions are requested."),
    "FRS.0705": (400, "The match mode is not supported."),
    "FRS.0706": (400, "The video must last 1 to 15 seconds."),
    "FRS.0707": (400, "No face is in the photo."),
    "APIG.0101": (404, "The API does not exist or has not been published."),
    "APIG.0201": (413, "The request body is too large or the backend timed out."),
    "APIG.0301": (401, "Incorrect IAM authentication information."),
    "APIG.0307": (401, "The token must be updated."),
}

# Operations, for the codes that depend on them.
ADD, SEARCH, COMPARE, DETECT, DELETE_BY_FIELD, OTHER = "add", "search", "compare", "detect", "delete_by_field", ""
LIVE = "live"
_VIDEO_REASONS = {"unreadable": "FRS.0701", "frame_size": "FRS.0701", "duration": "FRS.0706"}

_NO_FACE = {ADD: "FRS.0404", SEARCH: "FRS.0304", COMPARE: "FRS.0501", DETECT: "FRS.0501"}
_IMAGE_REASONS = {
    "base64": "FRS.0015",
    "too_large": "FRS.0017",
    "too_many_pixels": "FRS.0013",
    "empty": "FRS.0016",
    "not_an_image": "FRS.0016",
    "corrupt": "FRS.0016",
    "unsupported_format": "FRS.0016",
}
_FETCH_REASONS = {
    "object_store_url": "FRS.0021",
    "invalid_url": "FRS.0035",
    "forbidden_address": "FRS.0035",
    "denied": "FRS.0022",
    "too_large": "FRS.0023",
    "not_found": "FRS.0024",
}
_SORT_REASONS = {"unknown_field": "FRS.0031", "not_numeric": "FRS.0032"}


class HuaweiError(DialectError):
    """An error already in the dialect's terms: an FRS/APIG code and a message."""

    def __init__(self, error_code: str, error_msg: str | None = None, *, status: int | None = None) -> None:
        default_status, default_message = CODES[error_code]
        super().__init__(error_msg or default_message)
        self.error_code = error_code
        self.error_msg = error_msg or default_message
        self.status = status or default_status

    def body(self) -> dict:
        return {"error_code": self.error_code, "error_msg": self.error_msg}

    def status_code(self) -> int:
        return self.status


def from_domain(error: DomainError, *, operation: str = OTHER) -> HuaweiError:
    """The Huawei error for a domain error raised while serving `operation`."""
    reason = error.details.get("reason")
    if isinstance(error, TokenExpired):
        return HuaweiError("APIG.0307", error.message)
    if isinstance(error, AuthenticationFailed):
        return HuaweiError("APIG.0301", f"Incorrect IAM authentication information: {error.message}")
    if isinstance(error, FaceSetNotFound):
        code = "FRS.0302"
    elif isinstance(error, FaceNotFound):
        code = "FRS.0403"
    elif isinstance(error, FaceSetNameTaken):
        code = "FRS.0301"
    elif isinstance(error, QuotaExceeded):
        code = "FRS.0305" if error.details.get("quota") == "face_sets" else "FRS.0012"
    elif isinstance(error, FaceSetFull):
        code = "FRS.0306"
    elif isinstance(error, FaceTooSmall):
        code = "FRS.0013"
    elif isinstance(error, NoFace):
        code = _NO_FACE.get(operation, "FRS.0501")
    elif isinstance(error, ImageInvalid):
        code = _IMAGE_REASONS.get(reason, "FRS.0016")
    elif isinstance(error, ImageFetchFailed):
        code = _FETCH_REASONS.get(reason, "FRS.0036")
    elif isinstance(error, FilterInvalid):
        code = "FRS.0029"
    elif isinstance(error, SortInvalid):
        code = _SORT_REASONS.get(reason, "FRS.0012")
    elif isinstance(error, InvalidFieldValue):
        if reason == "undefined":
            code = "FRS.0402" if operation == DELETE_BY_FIELD else "FRS.0405"
        elif reason == "type":
            code = "FRS.0406"
        else:
            code = "FRS.0012"
    elif isinstance(error, Timeout):
        return HuaweiError("APIG.0201", error.message, status=504)
    elif isinstance(error, VideoInvalid):
        if reason == "time":
            return HuaweiError("APIG.0201", error.message, status=504)
        code = _VIDEO_REASONS.get(reason, "FRS.0701")
    elif operation == LIVE and isinstance(error, InvalidArgument) and error.field in ("action_time", "actions"):
        if error.field == "action_time":
            code = "FRS.0703"
        else:
            code = "FRS.0704" if reason == "too_many" else "FRS.0702"
    elif isinstance(error, ModelMismatch):
        code = "FRS.0018"
    elif isinstance(error, MissingArgument):
        code = "FRS.0011"
    elif isinstance(error, (InvalidArgument, AlreadyExists, NotFound)):
        code = "FRS.0012"
    else:
        # A plain DomainError is what a worker's unexpected failure comes back as (code "internal_error").
        logger.error("unexpected domain error %r", error)
        return HuaweiError("FRS.0018")
    return HuaweiError(code, error.message)


class HuaweiErrors(ErrorTable):
    """The FRS answers of what goes wrong before or around a view's own code (facesets.api.common.views)."""

    def from_domain(self, error: DomainError, *, operation: str = OTHER) -> HuaweiError:
        return from_domain(error, operation=operation)

    def body_too_large(self, limit: int) -> HuaweiError:
        return HuaweiError("APIG.0201", f"the request body exceeds {limit} bytes", status=413)

    def rate_limited(self, state: RateLimit) -> HuaweiError:
        return HuaweiError(
            "FRS.0033",
            f"more than {state.limit} requests in {state.window_seconds} s; retry in {state.reset_seconds} s",
        )

    def unparseable(self, request, error: APIException) -> HuaweiError:
        json_body = (request.content_type or "").startswith("application/json")
        code = "FRS.0014" if json_body or isinstance(error, UnsupportedMediaType) else "FRS.0012"
        return HuaweiError(code, str(error.detail))

    def invalid(self, errors) -> HuaweiError:
        from .serializers import VALIDATION_CODES, first_error

        code, message = first_error(errors)
        return HuaweiError(VALIDATION_CODES.get(code, "FRS.0012"), message)

    def bad_request(self, detail: str) -> HuaweiError:
        return HuaweiError("FRS.0012", detail)

    def no_such_api(self, request, view) -> HuaweiError:
        return HuaweiError("APIG.0101", f"no API {request.method} {request.path}")

    def internal(self) -> HuaweiError:
        return HuaweiError("FRS.0018")

    def unavailable(self) -> HuaweiError:
        return HuaweiError("FRS.0018", "The service is restarting a component; retry in a few seconds.", status=503)


ERRORS = HuaweiErrors()
