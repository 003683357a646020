"""Baidu face v2 errors: `{"error_code": <int>, "error_msg": "...", "log_id": <int>}`, always HTTP 200 (the
client never looks at the status; it retries once on the integer 110), and the one table from domain errors.
"""

from __future__ import annotations

import logging

from rest_framework.exceptions import APIException

from facesets.exceptions import (
    AlreadyExists,
    AuthenticationFailed,
    DomainError,
    FaceSetFull,
    GroupNotFound,
    ImageFetchFailed,
    ImageInvalid,
    InvalidArgument,
    MissingArgument,
    NoFace,
    PersonNotFound,
    QuotaExceeded,
    Timeout,
    TokenExpired,
)
from facesets.services.ratelimit import RateLimit

from ..common.views import DialectError, ErrorTable

logger = logging.getLogger(__name__)

# code -> the documented error_msg (002's table, plus 14 for a failed signature and 216619 of its examples).
MESSAGES: dict[int, str] = {
    4: "Open api request limit reached",
    14: "IAM Certification failed",
    17: "Open api daily request limit reached",
    18: "Open api qps request limit reached",
    19: "Open api total request limit reached",
    100: "Invalid parameter",
    110: "Access token invalid or no longer valid",
    111: "Access token expired",
    216100: "invalid param",
    216101: "not enough param",
    216102: "service not support",
    216103: "param too long",
    216111: "invalid userid",
    216200: "empty image",
    216201: "image format error",
    216202: "image size error",
    216300: "db error",
    216400: "backend error",
    216401: "internal error",
    216402: "face not found",
    216611: "user not exist",
    216614: "not enough images",
    216616: "image existed",
    216618: "no user in group",
    216619: "user must be in one group at least",
    216631: "request add user overlimit",
}
IMAGE_REASONS = {
    "base64": 216200,
    "empty": 216200,
    "not_an_image": 216201,
    "corrupt": 216201,
    "unsupported_format": 216201,
    "too_large": 216202,
    "too_many_pixels": 216202,
    "too_small": 216202,
}


class BaiduError(DialectError):
    """A Baidu error code with its documented message (or a more precise one)."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or MESSAGES.get(code, "unknown error"))
        self.code = code
        self.message = message or MESSAGES.get(code, "unknown error")

    def body(self) -> dict:
        return {"error_code": self.code, "error_msg": self.message}

    def status_code(self) -> int:
        return 200


def from_domain(error: DomainError) -> BaiduError:
    """The Baidu error of a domain error."""
    if isinstance(error, TokenExpired):
        return BaiduError(111)
    if isinstance(error, AuthenticationFailed):
        return BaiduError(110)
    if isinstance(error, NoFace):
        return BaiduError(216402)
    if isinstance(error, ImageInvalid):
        return BaiduError(IMAGE_REASONS.get(error.details.get("reason"), 216201))
    if isinstance(error, ImageFetchFailed):
        return BaiduError(216201)
    if isinstance(error, PersonNotFound):
        return BaiduError(216611)
    if isinstance(error, GroupNotFound):
        return BaiduError(216618)
    if isinstance(error, AlreadyExists):
        if error.details.get("reason") == "duplicate_image":
            return BaiduError(216616, "image exist")
        if error.details.get("reason") == "already_member":
            return BaiduError(216100, "already add")
        return BaiduError(216100, error.message)
    if isinstance(error, QuotaExceeded | FaceSetFull):
        return BaiduError(216631)
    if isinstance(error, MissingArgument):
        return BaiduError(216101, f"not enough param: {error.message}")
    if isinstance(error, InvalidArgument) and error.details.get("reason") == "last_group":
        return BaiduError(216619)
    if isinstance(error, InvalidArgument):
        code = 216111 if error.field == "uid" else 216100
        return BaiduError(code, f"{MESSAGES[code]}: {error.message}")
    if isinstance(error, Timeout):
        return BaiduError(216400, "backend error: the recognition did not finish in time, retry")
    logger.error("unexpected domain error %r", error)
    return BaiduError(216401)


class BaiduErrors(ErrorTable):
    def from_domain(self, error: DomainError, *, operation: str = "") -> BaiduError:
        return from_domain(error)

    def body_too_large(self, limit: int) -> BaiduError:
        return BaiduError(216202, f"image size error: the request body exceeds {limit} bytes")

    def rate_limited(self, state: RateLimit) -> BaiduError:
        return BaiduError(18)

    def unparseable(self, request, error: APIException) -> BaiduError:
        return BaiduError(216100, f"invalid param: the request body cannot be read ({error.detail})")

    def bad_request(self, detail: str) -> BaiduError:
        return BaiduError(216100, f"invalid param: {detail}")

    def no_such_api(self, request, view) -> BaiduError:
        return BaiduError(216102)

    def internal(self) -> BaiduError:
        return BaiduError(216401)

    def unavailable(self) -> BaiduError:
        return BaiduError(216300)


ERRORS = BaiduErrors()
