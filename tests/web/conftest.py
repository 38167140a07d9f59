import pytest
from django.test.utils import override_settings


@pytest.fixture(scope="session")
def plain_http_settings():
    """Production settings redirect plain HTTP to HTTPS and keep cookies HTTPS-only; the live
    server speaks plain HTTP. SecurityMiddleware reads the redirect setting once, when the server
    builds its handler, so this must be in force before the (session-wide) live server starts —
    and therefore stays in force until the session ends."""
    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False,
                           CSRF_COOKIE_SECURE=False):
        yield


@pytest.fixture(scope="session")
def live_server(plain_http_settings, live_server):
    """pytest-django's live server, started over plain HTTP (see plain_http_settings)."""
    return live_server
