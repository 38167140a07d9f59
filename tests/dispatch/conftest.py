import pytest

from civicgrid.dispatch.catalogue import catalogue_load_default
from civicgrid.dispatch.classify import get_classifier
from civicgrid.dispatch.routing import get_router
from civicgrid.dispatch.services import reset_dispatch_caches


@pytest.fixture
def catalogue(db):
    """The shipped default catalogue, loaded; the caches rebuilt from it."""
    catalogue_load_default()
    get_classifier(refresh=True)
    get_router(refresh=True)
    return None


@pytest.fixture(autouse=True)
def _fresh_dispatch_caches():
    # Each test's rows are rolled back afterwards, which no cache can notice by itself.
    reset_dispatch_caches()
