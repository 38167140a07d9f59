"""With REDIS_URL set, the tracking page's look-up limit is counted in Redis, so every app
server sees the same count (runs against the real Redis on 127.0.0.1:6379, database 15)."""

import pytest
import redis
from django.core.cache import caches
from django.test import Client

REDIS = "redis://127.0.0.1:6379/15"


def _redis_or_skip():
    conn = redis.Redis.from_url(REDIS)
    try:
        conn.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis answers at 127.0.0.1:6379")
    return conn


@pytest.mark.django_db
def test_look_ups_are_counted_in_redis_for_every_server(settings):
    conn = _redis_or_skip()
    conn.flushdb()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS, "KEY_PREFIX": "civicgrid-test"}}
    settings.CIVICGRID = {**settings.CIVICGRID, "TRACK_RATE_LIMIT": (3, 600)}
    try:
        # Two clients from one address: think two app servers behind one proxy.
        first, second = (Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
                         for _ in range(2))
        for _ in range(3):
            assert first.post("/track/", {"number": "XC-X", "phone": "13800000000"}).status_code == 200
        # The count lives in Redis (another connection sees it), so the next server refuses too.
        assert any(b"track:ip:203.0.113.9" in key for key in conn.keys("*"))
        refused = second.post("/track/", {"number": "XC-X", "phone": "13800000000"})
        assert refused.status_code == 429
    finally:
        conn.flushdb()
        caches["default"].close()
