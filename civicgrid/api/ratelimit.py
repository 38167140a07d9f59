"""Per-token rate limit: a fixed one-minute window counted in Django's cache (Redis when
REDIS_URL is set, so every app server counts together; in-process memory otherwise).

A fixed window lets a client burst up to twice its limit across a window boundary; that is
acceptable for protecting the server and needs only one atomic INCR per request."""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW = 60  # seconds


def _key(token_id: int, window: int) -> str:
    return f"api-rate:{token_id}:{window}"


def allow(token) -> tuple[bool, int]:
    """(allowed, seconds until the next window) for one request made with `token`."""
    now = time.time()
    window = int(now // WINDOW)
    retry_after = max(1, int((window + 1) * WINDOW - now + 0.999))
    key = _key(token.pk, window)
    # add() is a no-op when the key exists; incr() is atomic on Redis and under locmem's lock.
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 5)
        count = 1
    return count <= token.rate_limit_per_minute, retry_after
