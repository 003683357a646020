"""The per-credential rate limit: X-RateLimit-Limit/Remaining/Reset on every answer, 403 RATE_LIMIT_EXCEEDED past
it; every call counts, failed ones too."""

from __future__ import annotations

from tests.api.sensetime.conftest import project_of
from tests.api.sensetime.helpers import error_of


def test_rate_limit_headers_and_refusal(account_factory):
    st = account_factory(rate_limit_requests=3, rate_limit_window_seconds=3600)
    remaining = []
    for args in ({"name": "a"}, {"name": "b"}, {}):  # the third call fails (no name) and still counts
        answer = st.call("/person/create", args)
        assert answer.headers["X-RateLimit-Limit"] == "3"
        assert 1 <= int(answer.headers["X-RateLimit-Reset"]) <= 3600
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    refused = st.call("/person/create", {"name": "c"})
    assert refused.status_code == 403 and refused.body == {"status": "RATE_LIMIT_EXCEEDED"}
    assert (refused.headers["X-RateLimit-Limit"], refused.headers["X-RateLimit-Remaining"]) == ("3", "0")
    assert 1 <= int(refused.headers["X-RateLimit-Reset"]) <= 3600
    error_of(st.call("/info/api", method="GET"), 403, "RATE_LIMIT_EXCEEDED")
    assert project_of(st).persons.count() == 2


def test_each_credential_has_its_own_count(account_factory):
    from facesets.services.projects import credential_create

    st = account_factory(rate_limit_requests=1, rate_limit_window_seconds=3600)
    assert st.call("/info/api", method="GET").status_code == 200
    error_of(st.call("/info/api", method="GET"), 403, "RATE_LIMIT_EXCEEDED")
    credential, secret = credential_create(project=project_of(st))
    st.api_id, st.api_secret = credential.access_key, secret
    assert st.call("/info/api", method="GET").status_code == 200


def test_the_window_starts_again_after_its_length(account_factory):
    from facesets.models import Credential
    from facesets.services.ratelimit import credential_rate_limit_hit

    st = account_factory(rate_limit_requests=2, rate_limit_window_seconds=10)
    credential = Credential.objects.select_related("project").get(access_key=st.api_id)
    start = 1_000_000.0
    states = [credential_rate_limit_hit(credential=credential, now=start + offset) for offset in (0, 1, 2)]
    assert [state.remaining for state in states] == [1, 0, 0]
    assert [state.exceeded for state in states] == [False, False, True]
    assert [state.reset_seconds for state in states] == [10, 9, 8]
    later = credential_rate_limit_hit(credential=credential, now=start + 10)
    assert (later.remaining, later.exceeded, later.reset_seconds) == (1, False, 10)


def test_without_redis_the_database_counts(account_factory, settings):
    from django.db import connection

    from facesets.services import ratelimit

    table = "facelib_sensetime_test_cache"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}}
    st = account_factory(rate_limit_requests=1, rate_limit_window_seconds=3600)
    try:
        assert st.call("/info/api", method="GET").headers["X-RateLimit-Remaining"] == "0"
        error_of(st.call("/info/api", method="GET"), 403, "RATE_LIMIT_EXCEEDED")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        ratelimit._cache_tables_checked.discard(table)


def test_the_default_cache_is_the_brokers_redis_with_another_database():
    from config.settings import _default_cache_url

    assert _default_cache_url("redis://127.0.0.1:63790/0") == "redis://127.0.0.1:63790/2"
    assert _default_cache_url("redis://127.0.0.1:63790/1") == "redis://127.0.0.1:63790/3"
    assert _default_cache_url("redis://cache.internal:6379") == "redis://cache.internal:6379/2"
    assert _default_cache_url("amqp://guest@rabbit//") == ""


def test_concurrent_requests_each_count_once(account_factory):
    """Web processes count at the same instant: every request gets its own count (one atomic script call in Redis)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from facesets.models import Credential
    from facesets.services.ratelimit import credential_rate_limit_hit

    st = account_factory(rate_limit_requests=10, rate_limit_window_seconds=60)
    credential = Credential.objects.select_related("project").get(access_key=st.api_id)

    def hit(_: int) -> int:
        try:
            return credential_rate_limit_hit(credential=credential, now=2_000_000.0).remaining
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        remaining = sorted(pool.map(hit, range(16)))
    assert remaining == [0] * 7 + list(range(1, 10))  # counts 1..16 each once: 9 .. 1 left, then 0 from the 10th on
