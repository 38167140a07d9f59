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
