"""Face++ v3 errors: `{"error_message": "REASON: details"}` with the HTTP status the guide gives each reason (the
client picks its exception class by status and reason), `request_id` and `time_used` added by the view except where
the guide says they are absent, and the request-too-large answer as plain text. One table from domain errors.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from rest_framework.exceptions import APIException

from facesets.exceptions import (
    AlreadyExists,
    AuthenticationFailed,
    CredentialRevoked,
    DomainError,
    EmptyFaceSet,
    FaceNotFound,
    FaceSetNotFound,
    ImageFetchFailed,
    ImageInvalid,
    InvalidArgument,
    MissingArgument,
    ModelMismatch,
    QuotaExceeded,
    Timeout,
)
from facesets.services.ratelimit import RateLimit

from ..common.views import DialectError, ErrorTable

logger = logging.getLogger(__name__)

# reason -> HTTP status, for every reason of the guide and the endpoints' tables that FaceLib answers.
STATUSES: dict[str, int] = {
    "AUTHENTICATION_ERROR": 401,
    "AUTHORIZATION_ERROR": 403,
    "CONCURRENCY_LIMIT_EXCEEDED": 403,
    "INSUFFICIENT_PERMISSION": 403,
    "MISSING_ARGUMENTS": 400,
    "BAD_ARGUMENTS": 400,
    "COEXISTENCE_ARGUMENTS": 400,
    "IMAGE_ERROR_UNSUPPORTED_FORMAT": 400,
    "INVALID_IMAGE_SIZE": 400,
    "INVALID_IMAGE_URL": 400,
    "IMAGE_FILE_TOO_LARGE": 400,
    "INVALID_FACE_TOKEN": 400,
    "INVALID_FACE_TOKENS_SIZE": 400,
    "INVALID_OUTER_ID": 400,
    "INVALID_FACESET_TOKEN": 400,
    "FACESET_EXIST": 400,
    "FACESET_QUOTA_EXCEEDED": 400,
    "FACESET_NOT_EMPTY": 400,
    "NEW_OUTER_ID_EXIST": 400,
    "EMPTY_FACESET": 400,
    "VOID_REQUEST": 400,
    "IMAGE_DOWNLOAD_TIMEOUT": 412,
    "API_NOT_FOUND": 404,
    "INTERNAL_ERROR": 500,
}
# Answers the guide sends without request_id and time_used.
BARE = {"AUTHENTICATION_ERROR", "CONCURRENCY_LIMIT_EXCEEDED", "API_NOT_FOUND"}
TOO_LARGE_TEXT = "Request Entity Too Large"

# The image decoder's reasons (ImageInvalid.details["reason"]) -> Face++'s image errors.
IMAGE_REASONS = {
    "base64": "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "empty": "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "not_an_image": "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "corrupt": "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "unsupported_format": "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "too_many_pixels": "INVALID_IMAGE_SIZE",
    "too_small": "INVALID_IMAGE_SIZE",
    "too_large": "IMAGE_FILE_TOO_LARGE",
}


class FaceppError(DialectError):
    """A Face++ reason, with the details the client passes to its exception (an argument's name, a token)."""

    def __init__(self, reason: str, details: str = "", *, bare: bool | None = None) -> None:
        self.reason = reason
        self.details = details
        self.message = f"{reason}: {details}" if details else reason
        self.bare = reason in BARE if bare is None else bare
        super().__init__(self.message)

    def body(self) -> dict:
        return {"error_message": self.message}

    def status_code(self) -> int:
        return STATUSES[self.reason]


class RequestTooLarge(DialectError):
    """Over the body limit: the guide's plain-text 413 (the base view drains the body before answering)."""

    bare = True

    def body(self) -> dict:
        return {}

    def status_code(self) -> int:
        return 413

    def response(self) -> HttpResponse:
        return HttpResponse(TOO_LARGE_TEXT, status=413, content_type="text/plain; charset=utf-8")


def _image_argument(error: DomainError, default: str = "image_file") -> str:
    field = error.field or default
    return default if field == "image" else field


def from_domain(error: DomainError, *, operation: str = "") -> FaceppError:
    """The Face++ error of a domain error; `operation` tells FACESET_EXIST (create) from NEW_OUTER_ID_EXIST
    (update)."""
    if isinstance(error, CredentialRevoked):
        return FaceppError("AUTHORIZATION_ERROR", "Denied by Client")
    if isinstance(error, AuthenticationFailed):
        return FaceppError("AUTHENTICATION_ERROR")
    if isinstance(error, MissingArgument):
        names = error.details.get("arguments") or error.field or ""
        return FaceppError("MISSING_ARGUMENTS", ", ".join(part for part in names.split(",") if part))
    if isinstance(error, ImageInvalid):
        reason = IMAGE_REASONS.get(error.details.get("reason"), "IMAGE_ERROR_UNSUPPORTED_FORMAT")
        return FaceppError(reason, _image_argument(error))
    if isinstance(error, ImageFetchFailed):
        argument = _image_argument(error, "image_url")
        if error.details.get("reason") == "timeout":
            return FaceppError("IMAGE_DOWNLOAD_TIMEOUT", argument)
        return FaceppError("INVALID_IMAGE_URL", argument)
    if isinstance(error, FaceNotFound | ModelMismatch):
        return FaceppError("INVALID_FACE_TOKEN", str(error.details.get("unknown") or "").split(",")[0])
    if isinstance(error, FaceSetNotFound):
        return FaceppError("INVALID_OUTER_ID" if error.details.get("by") == "outer_id" else "INVALID_FACESET_TOKEN")
    if isinstance(error, EmptyFaceSet):
        return FaceppError("EMPTY_FACESET")
    if isinstance(error, AlreadyExists) and error.field == "outer_id":
        return FaceppError("NEW_OUTER_ID_EXIST" if operation == "update" else "FACESET_EXIST")
    if isinstance(error, QuotaExceeded) and error.details.get("quota") == "face_sets":
        return FaceppError("FACESET_QUOTA_EXCEEDED")
    if isinstance(error, InvalidArgument):
        return FaceppError("BAD_ARGUMENTS", error.field or "request")
    if isinstance(error, Timeout):
        return FaceppError("INTERNAL_ERROR")
    logger.error("unexpected domain error %r", error)
    return FaceppError("INTERNAL_ERROR")


class FaceppErrors(ErrorTable):
    def from_domain(self, error: DomainError, *, operation: str = "") -> FaceppError:
        return from_domain(error, operation=operation)

    def body_too_large(self, limit: int) -> RequestTooLarge:
        return RequestTooLarge(TOO_LARGE_TEXT)

    def rate_limited(self, state: RateLimit) -> FaceppError:
        return FaceppError("CONCURRENCY_LIMIT_EXCEEDED")

    def unparseable(self, request, error: APIException) -> FaceppError:
        return FaceppError("BAD_ARGUMENTS", "request body")

    def bad_request(self, detail: str) -> FaceppError:
        return FaceppError("BAD_ARGUMENTS", "request")

    def no_such_api(self, request, view) -> FaceppError:
        return FaceppError("API_NOT_FOUND")

    def internal(self) -> FaceppError:
        return FaceppError("INTERNAL_ERROR")


ERRORS = FaceppErrors()
