import pytest

from tests.factories import build_territory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is slow on purpose; tests create many users and do not test the hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def territory(db):
    """The small hand-built territory of tests/factories.py."""
    return build_territory()


@pytest.fixture(autouse=True)
def _fresh_territory_caches():
    # The locator, gazetteer, classifier and router are cached per process and keyed on the territory revision;
    # every test database starts again at the same revision, so each test starts uncached.
    from civicgrid.dispatch.services import reset_dispatch_caches
    from civicgrid.territory import gazetteer, locator

    for reset in (locator.reset_locator, gazetteer.reset_gazetteer, reset_dispatch_caches):
        reset()
    yield
    for reset in (locator.reset_locator, gazetteer.reset_gazetteer, reset_dispatch_caches):
        reset()
