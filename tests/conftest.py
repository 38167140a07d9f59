import pytest

from tests.factories import build_territory


@pytest.fixture
def territory(db):
    """The small hand-built territory of tests/factories.py."""
    return build_territory()
