"""GET /healthz and the X-Request-Id middleware."""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from facesets import health
from facesets.middleware import RequestIdMiddleware

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def fresh_health(settings):
    """No answer reused from the 2 s cache, before or after the test."""
    settings.FACELIB_HEALTH_CACHE_SECONDS = 0
    health.reset_cache()
    yield
    health.reset_cache()


@pytest.fixture
def queue_without_worker(settings):
    """Send the health task to a queue no worker consumes, and look for the liveness and reviews workers on queues
    no worker consumes either: no worker answers, whatever workers other tests run."""
    queue = f"healthz-test-{uuid.uuid4().hex}"
    settings.FACELIB_HEALTH_QUEUE = queue
    settings.FACELIB_LIVENESS_QUEUE = f"{queue}-liveness"
    settings.FACELIB_REVIEW_QUEUE = f"{queue}-reviews"
    settings.FACELIB_HEALTH_TIMEOUT = 1
    yield queue
    from config.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


@pytest.fixture
def queues_consumed(monkeypatch):
    """Every queue looked for has a worker (for the tests of how the answer is put together without one)."""
    monkeypatch.setattr(health, "_queue_consumers", lambda queues, timeout: {queue: ["w@host"] for queue in queues})


@pytest.mark.django_db
def test_anonymous_callers_get_the_status_without_details(client, fresh_health, monkeypatch, queues_consumed):
    monkeypatch.setattr(health, "_call_health_task", lambda timeout: {"model": "m", "dimensions": 1, "detector": "d"})
    body = client.get("/healthz").json()
    assert set(body) == {"status", "down", "checked_at"}
    assert body["status"] == "ok" and body["down"] == []
    assert "redis" not in json.dumps(body) and "PostgreSQL" not in json.dumps(body)


def assert_check_shape(checks: dict) -> None:
    assert set(checks) == {"database", "broker", "worker", "model", "liveness_worker", "reviews_worker"}
    for check in checks.values():
        assert isinstance(check["ok"], bool)
        assert isinstance(check["detail"], str) and check["detail"]
        assert isinstance(check["latency_ms"], int | float) and check["latency_ms"] >= 0


@pytest.mark.django_db
def test_without_workers_is_503_naming_each_worker_and_the_model(admin_client, fresh_health, queue_without_worker):
    response = admin_client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["down"] == ["worker", "model", "liveness_worker", "reviews_worker"]
    checks = body["checks"]
    assert_check_shape(checks)
    assert checks["database"]["ok"] is True
    assert "pgvector" in checks["database"]["detail"]
    assert checks["broker"]["ok"] is True
    assert checks["worker"]["ok"] is False
    assert "recognition.tasks.health_check" in checks["worker"]["detail"]
    assert checks["model"]["ok"] is False
    assert (
        f"no worker consumes '{queue_without_worker}-liveness' (video liveness)" in checks["liveness_worker"]["detail"]
    )
    assert f"'{queue_without_worker}-reviews' (the reviews)" in checks["reviews_worker"]["detail"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_broker_down_takes_worker_and_model_down(admin_client, settings, fresh_health):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = admin_client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker", "worker", "model", "liveness_worker", "reviews_worker"]
    assert_check_shape(body["checks"])
    assert body["checks"]["database"]["ok"] is True
    assert "broker is down" in body["checks"]["worker"]["detail"]
    assert "broker is down" in body["checks"]["reviews_worker"]["detail"]


@pytest.mark.django_db
def test_all_up_is_200(admin_client, fresh_health, monkeypatch, queues_consumed):
    answer = {"model": "sface", "dimensions": 128, "detector": "yunet"}
    monkeypatch.setattr(health, "_call_health_task", lambda timeout: answer)

    response = admin_client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert_check_shape(body["checks"])
    model = body["checks"]["model"]
    assert (model["name"], model["dimensions"], model["detector"]) == ("sface", 128, "yunet")


@pytest.mark.django_db
def test_worker_answering_with_an_error_means_model_down(admin_client, fresh_health, monkeypatch, queues_consumed):
    def failing(timeout):
        raise RuntimeError("model pack not found")

    monkeypatch.setattr(health, "_call_health_task", failing)

    response = admin_client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["model"]
    assert "model pack not found" in body["checks"]["model"]["detail"]


def test_a_real_worker_answers_for_its_model_and_every_queue_it_consumes(admin_client, fresh_health, worker):
    response = admin_client.get("/healthz")

    body = response.json()
    assert response.status_code == 200, body
    assert body["down"] == []
    checks = body["checks"]
    assert_check_shape(checks)
    assert checks["model"]["dimensions"] == 128
    node = f"test{worker.starts}-{os.getpid()}@"
    # The test worker consumes all three queues (tests.support.worker): its name answers for both.
    assert (
        node in checks["liveness_worker"]["detail"]
        and settings.FACELIB_LIVENESS_QUEUE in checks["liveness_worker"]["detail"]
    )
    assert (
        node in checks["reviews_worker"]["detail"]
        and settings.FACELIB_REVIEW_QUEUE in checks["reviews_worker"]["detail"]
    )


def test_a_queue_no_live_worker_consumes_is_down_by_name(admin_client, fresh_health, worker, settings):
    """The reviews worker stopped while the main one (which consumes the other queues here) runs."""
    settings.FACELIB_REVIEW_QUEUE = f"healthz-test-{uuid.uuid4().hex}"
    settings.FACELIB_HEALTH_TIMEOUT = 1

    response = admin_client.get("/healthz")

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["down"] == ["reviews_worker"]
    assert (
        f"no worker consumes '{settings.FACELIB_REVIEW_QUEUE}' (the reviews) within 1s"
        in (body["checks"]["reviews_worker"]["detail"])
    )
    assert body["checks"]["liveness_worker"]["ok"] is True and body["checks"]["model"]["ok"] is True


def test_answers_are_cached(client, settings, monkeypatch):
    settings.FACELIB_HEALTH_CACHE_SECONDS = 3600
    health.reset_cache()
    calls = []

    def report():
        calls.append(1)
        return 200, {"status": "ok", "down": [], "checks": {}}

    monkeypatch.setattr(health, "health_report", report)
    try:
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
    finally:
        health.reset_cache()
    assert len(calls) == 1


def test_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405


def test_response_carries_a_generated_request_id(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert HEX32.fullmatch(response["X-Request-Id"])


def test_sane_incoming_request_id_is_kept(client):
    response = client.get("/no-such-page", HTTP_X_REQUEST_ID="req-42.a:b_C")

    assert response["X-Request-Id"] == "req-42.a:b_C"


@pytest.mark.parametrize("incoming", ["", "has space", "<script>", "a" * 129, "-leading-dash", "ünicode"])
def test_odd_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/no-such-page", HTTP_X_REQUEST_ID=incoming)

    assert HEX32.fullmatch(response["X-Request-Id"])


def test_request_id_is_on_the_request():
    seen = {}

    def view(request):
        seen["id"] = request.request_id
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/"))

    assert HEX32.fullmatch(seen["id"])
    assert response["X-Request-Id"] == seen["id"]
