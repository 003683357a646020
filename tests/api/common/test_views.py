"""The base view every dialect inherits (facesets.api.common.views), tested once with a small dialect of its own:
the body cap and every framework error answered in the dialect's envelope, domain errors through its table, the
rate limit with its headers, an unforeseen error as the dialect's internal error."""

from __future__ import annotations

import logging

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from facesets.api.common.views import DialectError, DialectView, ErrorTable
from facesets.exceptions import DomainError, FaceNotFound
from facesets.models import Credential, Project
from facesets.services import projects

factory = APIRequestFactory()


class PlainError(DialectError):
    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code, self.status = code, status

    def body(self) -> dict:
        return {"error": self.code}

    def status_code(self) -> int:
        return self.status


class PlainErrors(ErrorTable):
    def from_domain(self, error, *, operation=""):
        return PlainError(f"{operation or 'domain'}:{error.code}", 404 if isinstance(error, FaceNotFound) else 400)

    def body_too_large(self, limit):
        return PlainError(f"too_large:{limit}", 413)

    def rate_limited(self, state):
        return PlainError(f"slow_down:{state.limit}", 429)

    def unparseable(self, request, error):
        return PlainError(f"unparseable:{type(error).__name__}")

    def bad_request(self, detail):
        return PlainError("bad_request")

    def no_such_api(self, request, view):
        return PlainError(f"no_api:{request.method}", 404)

    def internal(self):
        return PlainError("internal", 500)


class PlainView(DialectView):
    errors = PlainErrors()
    operation = "lookup"
    credential_key = ""

    def authenticate_caller(self, request):
        key = request.query_params.get("key")
        return Credential.objects.select_related("project").get(access_key=key) if key else None

    def post(self, request):
        what = request.data.get("raise")
        if what == "domain":
            raise FaceNotFound("no such face", field="face_id")
        if what == "unforeseen":
            raise RuntimeError("a bug")
        if what == "dialect":
            raise PlainError("as_is", 409)
        return Response({"ok": True})


view = PlainView.as_view()


def test_framework_errors_in_the_dialects_envelope(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = view(factory.post("/x", {"pad": "x" * 2000}, format="json"))
    assert (big.status_code, big.data) == (413, {"error": "too_large:1000"})
    broken = view(factory.post("/x", "{nope", content_type="application/json"))
    assert (broken.status_code, broken.data) == (400, {"error": "unparseable:ParseError"})
    media = view(factory.post("/x", "a", content_type="text/csv"))
    assert media.data == {"error": "unparseable:UnsupportedMediaType"}
    wrong_method = view(factory.delete("/x"))
    assert (wrong_method.status_code, wrong_method.data) == (404, {"error": "no_api:DELETE"})


def test_domain_dialect_and_unforeseen_errors(caplog):
    domain = view(factory.post("/x", {"raise": "domain"}, format="json"))
    assert (domain.status_code, domain.data) == (404, {"error": "lookup:face_not_found"})
    as_is = view(factory.post("/x", {"raise": "dialect"}, format="json"))
    assert (as_is.status_code, as_is.data) == (409, {"error": "as_is"})
    with caplog.at_level(logging.ERROR):
        bug = view(factory.post("/x", {"raise": "unforeseen"}, format="json"))
    assert (bug.status_code, bug.data) == (500, {"error": "internal"})
    assert "a bug" in caplog.text
    assert isinstance(DomainError(), Exception)


@pytest.mark.django_db
def test_rate_limit_headers_on_every_answer_and_the_limit_in_the_dialects_terms(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    project = projects.project_get_or_create(name="rate-limited")
    Project.objects.filter(pk=project.pk).update(rate_limit_requests=2, rate_limit_window_seconds=60)
    credential, _ = projects.credential_create(project=project)
    url = f"/x?key={credential.access_key}"
    first = view(factory.post(url, {}, format="json"))
    failed = view(factory.post(url, {"raise": "domain"}, format="json"))
    refused = view(factory.post(url, {}, format="json"))
    assert [first["X-RateLimit-Remaining"], failed["X-RateLimit-Remaining"]] == ["1", "0"]
    assert failed["X-RateLimit-Limit"] == "2" and 0 < int(failed["X-RateLimit-Reset"]) <= 60
    assert (refused.status_code, refused.data) == (429, {"error": "slow_down:2"})
    assert refused["X-RateLimit-Remaining"] == "0"
    anonymous = view(factory.post("/x", {}, format="json"))
    assert anonymous.status_code == 200 and "X-RateLimit-Limit" not in anonymous


def test_a_database_that_went_away_is_a_retryable_error():
    from django.db import OperationalError

    class Unavailable(PlainErrors):
        def unavailable(self):
            return PlainError("retry", 503)

    class Flaky(PlainView):
        errors = Unavailable()

        def post(self, request):
            raise OperationalError("server closed the connection unexpectedly")

    response = Flaky.as_view()(factory.post("/x", {}, format="json"))
    assert (response.status_code, response.data) == (503, {"error": "retry"})
