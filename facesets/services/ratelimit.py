"""Per-credential request rate limit: at most `project.rate_limit_requests` requests in a window of
`project.rate_limit_window_seconds`, counted in Django's cache so that every web process shares the count (Redis in
production, see CACHES in config/settings.py; there one script call a request counts it).

The window starts at a credential's first request after the previous window ended (not at a clock boundary), so a
client sees `reset` count down from the window's length. Every request counts, refused ones included (SenseTime:
"错误的调用也统计"). If the cache cannot be reached the request is let through (logged): a broken counter must not
take the API down.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.management import call_command
from django.db import DatabaseError
from redis.exceptions import NoScriptError

from ..models import Credential

logger = logging.getLogger(__name__)
KEY_PREFIX = "ratelimit"
_cache_tables_checked: set[str] = set()


@dataclass(frozen=True)
class RateLimit:
    """The state of a credential's window after counting one request."""

    limit: int
    window_seconds: int
    remaining: int
    reset_seconds: int
    exceeded: bool


def _ensure_database_cache_table() -> None:
    """With the database cache backend (when the broker is not Redis), create its table on first use: it is not a
    migration, and `createcachetable` is idempotent."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    backend = caches["default"]
    if isinstance(backend, DatabaseCache) and backend._table not in _cache_tables_checked:
        call_command("createcachetable", backend._table, verbosity=0)
        _cache_tables_checked.add(backend._table)


# The window's state in one hash, read and counted in one round trip (the generic path below costs three with Django's
# Redis cache: a get, then incr's own exists and incr). ARGV: now, window (seconds). Returns {count, start}.
_REDIS_COUNT = """
local start = redis.call('HGET', KEYS[1], 'start')
if (not start) or tonumber(ARGV[1]) >= tonumber(start) + tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'start', ARGV[1], 'count', 1)
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000) + 1000)
  return {1, ARGV[1]}
end
return {redis.call('HINCRBY', KEYS[1], 'count', 1), start}
"""
_REDIS_COUNT_SHA = hashlib.sha1(_REDIS_COUNT.encode()).hexdigest()


def _count_redis(backend: RedisCache, key_base: str, window: int, now: float) -> tuple[int, float]:
    key = backend.make_and_validate_key(f"{key_base}:window")
    client = backend._cache.get_client(key, write=True)
    args = (1, key, repr(float(now)), window)
    try:
        count, start = client.evalsha(_REDIS_COUNT_SHA, *args)
    except NoScriptError:  # the first call since Redis started: the script is sent once, then known by its hash
        count, start = client.eval(_REDIS_COUNT, *args)
    return int(count), float(start)


def _count(key_base: str, window: int, now: float) -> tuple[int, float]:
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return _count_redis(backend, key_base, window, now)
    start_key = f"{key_base}:start"
    start = cache.get(start_key)
    if start is None:
        cache.add(start_key, now, timeout=window)  # atomic: concurrent first requests agree on one start
        start = cache.get(start_key) or now
    elif now >= float(start) + window:  # the key outlived its window (the cache's expiry is coarser than ours)
        cache.set(start_key, now, timeout=window)
        start = now
    counter = f"{key_base}:{int(float(start) * 1000)}"
    # Counting is one round trip once the window's counter exists (two for the window's first request).
    try:
        count = cache.incr(counter)
    except ValueError:  # the window's first request, or its counter expired
        if cache.add(counter, 1, timeout=window + 1):
            count = 1
        else:  # a concurrent first request made it meanwhile
            try:
                count = cache.incr(counter)
            except ValueError:  # and it expired already: count this one alone
                count = 1
    return count, float(start)


def credential_rate_limit_hit(*, credential: Credential, now: float | None = None) -> RateLimit | None:
    """Count one request of the credential; the window's state, `exceeded` once it is past the limit. None when the
    counter is unavailable (the request is then let through)."""
    project = credential.project
    limit = int(project.rate_limit_requests)
    window = max(1, int(project.rate_limit_window_seconds))
    now = time.time() if now is None else now
    key_base = f"{KEY_PREFIX}:{credential.access_key}:{window}"
    try:
        _ensure_database_cache_table()
        count, start = _count(key_base, window, now)
    except (DatabaseError, OSError, ConnectionError) as error:
        logger.warning("rate limit counter unavailable, request let through: %s", error)
        return None
    except Exception as error:  # redis-py's own errors do not derive from the builtin ConnectionError
        if type(error).__module__.startswith("redis"):
            logger.warning("rate limit counter unavailable, request let through: %s", error)
            return None
        raise
    reset = max(1, math.ceil(start + window - now))
    return RateLimit(
        limit=limit,
        window_seconds=window,
        remaining=max(0, limit - count),
        reset_seconds=min(reset, window),
        exceeded=count > limit,
    )
