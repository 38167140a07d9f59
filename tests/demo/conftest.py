import pytest

from civicgrid.demo.city import XICHENG, build_city


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Demo accounts are created with create_user; the default hasher costs ~0.3 s per account.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def xicheng():
    """Xicheng as the demo builds it (about half a second; shared by the tests)."""
    return build_city([XICHENG])
