"""Server-Timing: where an API request's time went, in the answer's `Server-Timing` header (W3C Server Timing; a
browser's developer tools draw it), when FACELIB_SERVER_TIMING is on.

The web process times its own stages: `auth` (the credential), `ratelimit`, `parse` (the body), `call-store` (a
synchronous call's photo into Redis), `call-wait` (from sending its message to the broker until the last answer came
back, on the wall clock its parts are measured with), `hydrate` (a search's hits read from PostgreSQL). The wait is
broken down into parts that are not added to the request's own time: `wait-pickup` (the message to the broker and
through it until a worker started the call), the worker's stages as `worker-...` (`decode`, `detect-embed`,
`search`; `worker-other` is the rest of its work: reading the call and the rows it needs, writing the reply) and
`wait-return` (the reply back through Redis). `total` is the request as the web process saw it and `other` what its own
stages leave of it (the view's checks, the answer's rendering, the middleware). A name met more than once is summed
(a comparison's two photos run in parallel, so its `worker-...` parts add up to more than its wait). Nothing here is
kept or logged: the figures go to the client that asked, only while the setting is on (off by default: timings tell
a caller something about the server's load).
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Server-Timing"
PARTS_OF_THE_WAIT = ("wait-", "worker-")
_stages: contextvars.ContextVar[list[tuple[str, float]] | None] = contextvars.ContextVar("timing", default=None)


def active() -> bool:
    """Whether this request (or this worker's call) is being timed."""
    return _stages.get() is not None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as `name` when timing is on (a few hundred nanoseconds when it is off)."""
    stages = _stages.get()
    if stages is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        stages.append((name, (time.perf_counter() - started) * 1000.0))


def add(name: str, ms: float) -> None:
    stages = _stages.get()
    if stages is not None:
        stages.append((name, max(0.0, float(ms))))


@contextmanager
def recording() -> Iterator[list[tuple[str, float]]]:
    """Collect the stages timed inside the block (a worker running a timed call)."""
    stages: list[tuple[str, float]] = []
    token = _stages.set(stages)
    try:
        yield stages
    finally:
        _stages.reset(token)


def header_value(stages: list[tuple[str, float]], total_ms: float) -> str:
    """The header: each stage once (repeated names summed, in first-seen order), `other` and `total`."""
    summed: dict[str, float] = {}
    for name, ms in stages:
        summed[name] = summed.get(name, 0.0) + ms
    own = sum(ms for name, ms in summed.items() if not name.startswith(PARTS_OF_THE_WAIT))
    parts = [f"{name};dur={ms:.1f}" for name, ms in summed.items()]
    parts.append(f"other;dur={max(0.0, total_ms - own):.1f}")
    parts.append(f"total;dur={total_ms:.1f}")
    return ", ".join(parts)


class ServerTimingMiddleware:
    """Times every request and adds the Server-Timing header (only with FACELIB_SERVER_TIMING on)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.FACELIB_SERVER_TIMING:
            return self.get_response(request)
        started = time.perf_counter()
        with recording() as stages:
            response = self.get_response(request)
        response[HEADER] = header_value(stages, (time.perf_counter() - started) * 1000.0)
        return response
