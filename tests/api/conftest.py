"""Fixtures of the API tests: the case fixtures of tests/cases/conftest.py (actors, make_case,
category, departments) and `api(user)`, a client that sends a fresh token of that user."""

from __future__ import annotations

import pytest
from django.test import Client

from civicgrid.api.tokens import token_create
from tests.cases.conftest import (  # noqa: F401  (fixtures, used by name)
    actors,
    category,
    department,
    fresh_router,
    make_case,
    other_department,
)


class ApiClient:
    """A test client that authenticates every request with `Authorization: Bearer <key>`."""

    def __init__(self, key: str | None):
        headers = {"HTTP_X_FORWARDED_PROTO": "https"}
        if key is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
        self.client = Client(**headers)
        self.key = key

    def get(self, path, data=None, **extra):
        extra.setdefault("secure", True)
        return self.client.get(path, data, **extra)

    def post(self, path, data=None, *, json=True, **extra):
        if json:
            return self.client.post(path, data or {}, content_type="application/json",
                                    secure=True, **extra)
        return self.client.post(path, data or {}, secure=True, **extra)

    def put(self, path, data=None, **extra):
        return self.client.put(path, data or {}, content_type="application/json", secure=True,
                               **extra)

    def delete(self, path, **extra):
        return self.client.delete(path, secure=True, **extra)


@pytest.fixture
def api(db):
    """api(user, **token_kw) -> ApiClient with a new token of `user` (None: no token)."""
    def make(user, **kw) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _token, key = token_create(user=user, name=f"test-{user.username}", **kw)
        return ApiClient(key)
    return make


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
