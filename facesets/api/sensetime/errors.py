"""SenseTime v1 errors: the envelope `{"status": "INVALID_FACE", "reason": "..."}` with its HTTP status, and the one
table that turns a domain error into it.

Which status a domain error becomes can depend on the argument at fault (`error.field`): an unknown face is
INVALID_FACE, but INVALID_FACE2 when it was `face2_id`.
"""

from __future__ import annotations

import logging

from rest_framework.exceptions import APIException

from facesets.exceptions import (
    AlreadyExists,
    AuthenticationFailed,
    CredentialRevoked,
    DomainError,
    EmptyFaceSet,
    EmptyGroup,
    EmptyPerson,
    FaceNotFound,
    FaceSetFull,
    FaceSetNotFound,
    GroupNotFound,
    ImageFetchFailed,
    ImageInvalid,
    ImageNotFound,
    InvalidArgument,
    MissingArgument,
    ModelMismatch,
    PersonNotFound,
    QuotaExceeded,
    RequestInvalid,
    TaskNotFound,
    Timeout,
)
from facesets.services.ratelimit import RateLimit

from ..common.views import DialectError, ErrorTable

logger = logging.getLogger(__name__)

# status -> HTTP status code, for every status the document lists that FaceLib can answer.
STATUSES: dict[str, int] = {
    "INVALID_ARGUMENT": 400,
    "INVALID_TASK": 400,
    "INVALID_IMAGE": 400,
    "INVALID_FACE": 400,
    "INVALID_FACE2": 400,
    "INVALID_PERSON": 400,
    "INVALID_GROUP": 400,
    "INVALID_FACESET": 400,
    "EMPTY_PERSON": 400,
    "EMPTY_GROUP": 400,
    "EMPTY_FACESET": 400,
    "EMPTY_FACE_ID": 400,
    "EMPTY_PERSON_ID": 400,
    "QUOTA_EXCEEDED": 400,
    "DOWNLOAD_TIMEOUT": 400,
    "DOWNLOAD_ERROR": 400,
    "CORRUPT_IMAGE": 400,
    "IMAGE_FILE_SIZE_TOO_BIG": 400,
    "INVALID_IMAGE_FORMAT_OR_SIZE": 400,
    "UNAUTHORIZED": 401,
    "KEY_EXPIRED": 401,
    "RATE_LIMIT_EXCEEDED": 403,
    "NOT_FOUND": 404,
    "REQUEST_ENTITY_TOO_LARGE": 413,
    "INTERNAL_ERROR": 500,
}

# Domain field names -> the SenseTime argument they come from, for `reason`.
ARGUMENTS = {
    "face_set": "faceset_id",
    "face_set_name": "name",
    "face_set_id": "faceset_id",
    "image": "file",
    "image_url": "url",
    "person": "person_id",
    "group": "group_id",
}

# Domain quota names -> the names /info/api shows.
QUOTAS = {"face_sets": "facesets", "face_set_capacity": "faces_per_faceset"}

# ImageInvalid reasons (the image decoder's codes) -> status.
IMAGE_STATUSES = {
    "base64": "CORRUPT_IMAGE",
    "empty": "CORRUPT_IMAGE",
    "not_an_image": "CORRUPT_IMAGE",
    "corrupt": "CORRUPT_IMAGE",
    "too_large": "IMAGE_FILE_SIZE_TOO_BIG",
    "too_many_pixels": "INVALID_IMAGE_FORMAT_OR_SIZE",
    "too_small": "INVALID_IMAGE_FORMAT_OR_SIZE",
    "unsupported_format": "INVALID_IMAGE_FORMAT_OR_SIZE",
}


class SenseTimeError(DialectError):
    """An error answered as it is: a status of STATUSES and an optional reason."""

    def __init__(self, status: str, reason: str = "") -> None:
        super().__init__(reason or status)
        self.status = status
        self.reason = reason

    def body(self) -> dict:
        return error_body(self)

    def status_code(self) -> int:
        return STATUSES.get(self.status, 400)


def invalid_argument(argument: str, problem: str) -> SenseTimeError:
    """INVALID_ARGUMENT naming the argument, as the document's examples do: "argument 'top': not in range(1..10)"."""
    return SenseTimeError("INVALID_ARGUMENT", f"argument '{argument}': {problem}")


def missing_argument(*arguments: str) -> SenseTimeError:
    """INVALID_ARGUMENT for an argument that is required: "must specify 'file' or 'url' argument"."""
    names = " or ".join(f"'{argument}'" for argument in arguments)
    return SenseTimeError("INVALID_ARGUMENT", f"must specify {names} argument")


def _argument(error: DomainError, default: str) -> str:
    field = error.field or default
    return ARGUMENTS.get(field, field)


def from_domain(error: DomainError) -> SenseTimeError:
    """The SenseTime status and reason of a domain error."""
    message = error.message
    if isinstance(error, CredentialRevoked):
        return SenseTimeError("KEY_EXPIRED", f"this api_id was revoked on {error.details.get('revoked')}")
    if isinstance(error, AuthenticationFailed):
        return SenseTimeError("UNAUTHORIZED", "api_id or api_secret is wrong")
    if isinstance(error, MissingArgument | RequestInvalid):
        return SenseTimeError("INVALID_ARGUMENT", message)
    if isinstance(error, FaceNotFound | ModelMismatch):
        return SenseTimeError("INVALID_FACE2" if error.field == "face2_id" else "INVALID_FACE", message)
    if isinstance(error, PersonNotFound):
        return SenseTimeError("INVALID_PERSON", message)
    if isinstance(error, GroupNotFound):
        return SenseTimeError("INVALID_GROUP", message)
    if isinstance(error, FaceSetNotFound):
        return SenseTimeError("INVALID_FACESET", message)
    if isinstance(error, ImageNotFound):
        return SenseTimeError("INVALID_IMAGE", message)
    if isinstance(error, TaskNotFound):
        return SenseTimeError("INVALID_TASK", message)
    if isinstance(error, EmptyPerson):
        return SenseTimeError("EMPTY_PERSON", message)
    if isinstance(error, EmptyGroup):
        return SenseTimeError("EMPTY_GROUP", message)
    if isinstance(error, EmptyFaceSet):
        return SenseTimeError("EMPTY_FACESET", message)
    if isinstance(error, QuotaExceeded):
        quota = QUOTAS.get(error.details.get("quota"), error.details.get("quota"))
        return SenseTimeError("QUOTA_EXCEEDED", f"{quota}: {message}" if quota else message)
    if isinstance(error, FaceSetFull):
        return SenseTimeError("QUOTA_EXCEEDED", f"faces_per_faceset: {message}")
    if isinstance(error, ImageInvalid):
        return SenseTimeError(IMAGE_STATUSES.get(error.details.get("reason"), "CORRUPT_IMAGE"), message)
    if isinstance(error, ImageFetchFailed):
        reason = error.details.get("reason")
        if reason == "timeout":
            return SenseTimeError("DOWNLOAD_TIMEOUT", message)
        if reason == "too_large":
            return SenseTimeError("IMAGE_FILE_SIZE_TOO_BIG", message)
        if reason in ("invalid_url", "object_store_url"):
            return invalid_argument("url", message)
        return SenseTimeError("DOWNLOAD_ERROR", message)
    if isinstance(error, InvalidArgument | AlreadyExists):
        return invalid_argument(_argument(error, "argument"), message)
    if isinstance(error, Timeout):
        return SenseTimeError("INTERNAL_ERROR", message)
    logger.warning("unmapped domain error %r answered as INVALID_ARGUMENT", error)
    return invalid_argument(_argument(error, "argument"), message)


def error_body(error: SenseTimeError) -> dict:
    body = {"status": error.status}
    if error.reason:
        body["reason"] = error.reason
    return body


class SenseTimeErrors(ErrorTable):
    """SenseTime's answers of what goes wrong before or around a view's own code (facesets.api.common.views)."""

    def from_domain(self, error: DomainError, *, operation: str = "") -> SenseTimeError:
        return from_domain(error)

    def body_too_large(self, limit: int) -> SenseTimeError:
        return SenseTimeError("REQUEST_ENTITY_TOO_LARGE", f"the request body exceeds {limit} bytes")

    def rate_limited(self, state: RateLimit) -> SenseTimeError:
        return SenseTimeError("RATE_LIMIT_EXCEEDED")

    def unparseable(self, request, error: APIException) -> SenseTimeError:
        return SenseTimeError("INVALID_ARGUMENT", f"the request body cannot be parsed: {error.detail}")

    def bad_request(self, detail: str) -> SenseTimeError:
        return SenseTimeError("INVALID_ARGUMENT", detail)

    def no_such_api(self, request, view) -> SenseTimeError:
        allowed = "GET" if hasattr(view, "get") else "POST"
        return SenseTimeError("NOT_FOUND", f"there is no API {request.method} {request.path}; use {allowed}")

    def internal(self) -> SenseTimeError:
        return SenseTimeError("INTERNAL_ERROR")

    def unavailable(self) -> SenseTimeError:
        return SenseTimeError("INTERNAL_ERROR", "the service is restarting a component; retry in a few seconds")


ERRORS = SenseTimeErrors()
