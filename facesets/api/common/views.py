"""The base view of every dialect, shaped like healthchecks' hc/api/decorators.py: what each endpoint needs before
and after its own few lines, written once.

Before: the body-size cap (answered in the dialect's envelope, never Django's HTML page, once the rest of the body was
read so that the client sees the answer), the dialect's credential check, the per-credential rate limit, and the
refusal of a NUL character in any parameter. After: the X-RateLimit-*
headers on every answer of a known credential, and one exception handler that turns whatever was raised into the
dialect's error through its ErrorTable: a DialectError as it is, a domain error through `from_domain`, a framework
error (unparseable or oversized body, too many fields, an unknown method) through the table's hooks, a lost database
as a retryable error, anything unforeseen as the dialect's internal error (logged with the request id that
RequestIdMiddleware puts on every answer).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers as drf_serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from facesets import timing
from facesets.exceptions import DomainError, InvalidArgument
from facesets.models import Credential
from facesets.services.audit import Actor, acting_set
from facesets.services.ratelimit import RateLimit, credential_rate_limit_hit

from .parsers import BoundedJSONParser

logger = logging.getLogger(__name__)

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class DialectError(Exception):
    """An error already in a dialect's terms: its body (the envelope) and its HTTP status."""

    def body(self) -> dict:
        raise NotImplementedError

    def status_code(self) -> int:
        raise NotImplementedError

    def response(self) -> Response:
        return Response(self.body(), status=self.status_code())


class ErrorTable:
    """A dialect's errors: each hook returns the DialectError to answer. `from_domain` is the dialect's one table of
    domain errors; the others cover what happens before a view's own code runs."""

    def from_domain(self, error: DomainError, *, operation: str = "") -> DialectError:
        raise NotImplementedError

    def body_too_large(self, limit: int) -> DialectError:
        raise NotImplementedError

    def rate_limited(self, state: RateLimit) -> DialectError:
        raise NotImplementedError

    def unparseable(self, request, error: drf_exceptions.APIException) -> DialectError:
        """A body that cannot be parsed (ParseError) or has an unsupported media type (UnsupportedMediaType)."""
        raise NotImplementedError

    def invalid(self, errors) -> DialectError:
        """A DRF serializer's validation errors (dialects with JSON documents)."""
        return self.bad_request(str(errors))

    def bad_request(self, detail: str) -> DialectError:
        raise NotImplementedError

    def no_such_api(self, request, view) -> DialectError:
        raise NotImplementedError

    def internal(self) -> DialectError:
        raise NotImplementedError

    def unavailable(self) -> DialectError:
        """The database went away mid-request (a restart): an error the client may retry."""
        return self.internal()


def _nul_in(value) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def nul_argument(request, path_arguments: dict) -> str | None:
    """The name of the first parameter (path, query string or body, at any depth) whose text holds a NUL."""
    sources = [path_arguments.items(), request.query_params.lists()]
    data = request.data
    sources.append(data.lists() if hasattr(data, "lists") else (data.items() if isinstance(data, dict) else []))
    for source in sources:
        for name, value in source:
            if _nul_in(name) or _nul_in(value):
                return name if "\x00" not in str(name) else "a parameter name"
    return None


def drain_body(request, limit: int = 64 * 1024 * 1024) -> None:
    """Read what is left of a refused body (up to `limit`), so that a client still sending gets the answer rather
    than a connection reset (a synchronous server closes the socket on an unread body)."""
    django_request = getattr(request, "_request", request)
    remaining = limit
    try:
        while remaining > 0:
            chunk = django_request.read(min(65536, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
    except Exception:  # noqa: BLE001 - the body may already be consumed or the stream closed; nothing to drain
        return


class UTF8JSONRenderer(JSONRenderer):
    charset = "utf-8"


class AlwaysJSON(DefaultContentNegotiation):
    """JSON whatever the client's Accept header says (vendor SDKs send */* or nothing)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DialectView(APIView):
    """Base of every dialect view. A dialect sets `errors` (its ErrorTable) and implements `authenticate_caller`
    (return the request's Credential, or None for callers that are not rate limited, such as user tokens); a view
    sets `operation` where the dialect's codes depend on it."""

    errors: ErrorTable
    operation = ""
    authentication_classes: list = []
    permission_classes: list = []
    renderer_classes = [UTF8JSONRenderer]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    content_negotiation_class = AlwaysJSON
    rate_limit: RateLimit | None = None
    credential: Credential | None = None

    interface = ""  # the audit log's name of the dialect (AuditEvent.Interface)
    max_body_bytes: int | None = None  # a dialect's own body limit, when its documents allow more than the default
    body_refused = False

    def initial(self, request, *args, **kwargs) -> None:
        limit = int(self.max_body_bytes or settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        content_length = request.META.get("CONTENT_LENGTH") or "0"
        if content_length.isdigit() and int(content_length) > limit:
            self.body_refused = True
            raise self.errors.body_too_large(limit)
        self.check_request(request)
        with timing.stage("auth"):  # DRF's authentication classes, where a dialect has them, and the dialect's own
            super().initial(request, *args, **kwargs)
            self.credential = self.authenticate_caller(request)
        acting_set(self.audit_actor())  # what this request changes is recorded as the caller's
        if self.credential is not None:
            with timing.stage("ratelimit"):
                self.rate_limit = credential_rate_limit_hit(credential=self.credential)
            if self.rate_limit is not None and self.rate_limit.exceeded:
                raise self.errors.rate_limited(self.rate_limit)
        with timing.stage("parse"):
            refused = nul_argument(request, kwargs)  # the first look at request.data parses the body
        if refused is not None:
            # PostgreSQL stores no NUL in text or JSON: refused here, once, for every parameter of every dialect.
            raise InvalidArgument(f"{refused} must not contain a NUL character", field=refused)

    def check_request(self, request) -> None:
        """The dialect's checks of the request's form before authentication (headers, content type)."""

    def authenticate_caller(self, request) -> Credential | None:
        raise NotImplementedError

    def audit_actor(self) -> Actor | None:
        """Who the audit log names for this request's changes: its credential (a dialect whose callers can also be
        users says so in its own view)."""
        if self.credential is not None:
            return Actor.from_credential(self.credential, self.interface)
        return None

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise self.errors.no_such_api(request, self)

    def handle_exception(self, exc) -> Response:
        errors = self.errors
        if isinstance(exc, DialectError):
            error = exc
        elif isinstance(exc, DomainError):
            error = errors.from_domain(exc, operation=self.operation)
        elif isinstance(exc, TOO_LARGE):
            self.body_refused = True
            error = errors.body_too_large(int(self.max_body_bytes or settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        elif isinstance(exc, drf_serializers.ValidationError):
            error = errors.invalid(exc.detail)
        elif isinstance(exc, drf_exceptions.MethodNotAllowed):
            error = errors.no_such_api(self.request, self)
        elif isinstance(exc, drf_exceptions.ParseError | drf_exceptions.UnsupportedMediaType):
            error = errors.unparseable(self.request, exc)
        elif isinstance(exc, drf_exceptions.APIException):
            error = errors.bad_request(str(exc.detail))
        elif isinstance(exc, OperationalError | InterfaceError):
            logger.warning("database unavailable during %s: %s", type(self).__module__, exc)
            error = errors.unavailable()
        else:
            logger.exception("%s request failed", type(self).__module__, exc_info=exc)
            error = errors.internal()
        if self.body_refused:
            drain_body(self.request)
        return error.response()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.rate_limit is not None:
            for name, value in self.rate_limit_headers(self.rate_limit).items():
                response[name] = value
        return response

    def rate_limit_headers(self, state: RateLimit) -> dict[str, str]:
        """The rate-limit headers of every answer to a known credential (a dialect may add its own names)."""
        return {
            "X-RateLimit-Limit": str(state.limit),
            "X-RateLimit-Remaining": str(state.remaining),
            "X-RateLimit-Reset": str(state.reset_seconds),
        }
