"""Request ids: every response names its request, so a client's report can be found in the logs."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-Id"
# An incoming id is kept when it is a plain token (what proxies and SDKs send); anything else is replaced.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The id of the request being served by this thread, or "-" outside a request."""
    return _current_request_id.get()


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to log records, for a format such as "%(request_id)s %(message)s"."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class RequestIdMiddleware:
    """Sets `request.request_id` (the incoming X-Request-Id when sane, else a uuid4 hex) and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


# The dashboard's pages load one same-origin script and stylesheet; photos are shown from data: URLs. Inline style
# attributes are allowed (the templates use a few), inline script never is.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# Pages that bring their own inline bootstrap script (drf-spectacular's Swagger UI and ReDoc).
CSP_EXEMPT_PREFIXES = ("/api/docs/", "/api/redoc/")


class ContentSecurityPolicyMiddleware:
    """Adds CONTENT_SECURITY_POLICY to every HTML answer (the dashboard, sign-in, error pages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        html = response.get("Content-Type", "").startswith("text/html")
        if html and not request.path.startswith(CSP_EXEMPT_PREFIXES) and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


# The dashboard's addresses carry their project: /p/<project_id>/face-sets/... (links work across tabs and can be
# shared). This middleware takes the prefix off before the URL is resolved and remembers the project asked for;
# dashboard_view (facesets/views/base.py) opens that project, and makes every address the page generates carry it.
PROJECT_PREFIX = re.compile(r"^/p/([0-9a-f]{32})(/.*)$")


class ProjectInPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.urls import get_script_prefix, set_script_prefix

        match = PROJECT_PREFIX.match(request.path_info)
        if match:
            request.url_project_id = match[1]
            request.path_info = match[2]
        prefix = get_script_prefix()
        try:
            return self.get_response(request)
        finally:  # the project's prefix (set by dashboard_view) ends with its request: nothing else reverses with it
            set_script_prefix(prefix)
