"""Webhook fixtures: a territory, a category, staff in two streets, a real receiver, fast
retry settings, and the django-tasks-db worker run in this process over the real database
queue (the same Worker `civicgrid db_worker --batch` runs)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from civicgrid.accounts.models import Role
from civicgrid.cases.models import Channel
from civicgrid.cases.services.intake import case_intake
from civicgrid.dispatch.models import Category, CategoryKind, Stream
from civicgrid.territory.gazetteer import get_gazetteer
from civicgrid.territory.locator import reset_locator
from civicgrid.territory.models import District
from tests.factories import STREET_E, STREET_W, XICHENG, make_user
from tests.webhooks.receiver import Receiver

# Inside grid 110102003002001, street 110102003 (新街口街道) of tests/factories.py.
LON, LAT = 116.325, 39.93


@pytest.fixture
def fast_retries(settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "WEBHOOK_ALLOW_LOCAL_HTTP": True,
                          "WEBHOOK_BACKOFF_SECONDS": 0, "WEBHOOK_MAX_ATTEMPTS": 5,
                          "WEBHOOK_TIMEOUT_SECONDS": 5}
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    return settings


@pytest.fixture
def town(territory, fast_retries):
    District.objects.filter(code=XICHENG).update(abbr="XC")
    reset_locator()
    get_gazetteer(refresh=True)
    cover = Category.objects.create(code="C0101", name="上水井盖", stream=Stream.CITY_MANAGEMENT,
                                    kind=CategoryKind.COMPONENT, keywords="井盖")
    from civicgrid.dispatch.classify import get_classifier
    from civicgrid.dispatch.routing import get_router

    get_classifier(refresh=True)
    get_router(refresh=True)
    yield SimpleNamespace(
        cover=cover,
        east=make_user(Role.STREET_DISPATCHER, STREET_E, username="east"),
        west=make_user(Role.STREET_DISPATCHER, STREET_W, username="west"),
        resident=make_user(Role.RESIDENT, username="res"))
    reset_locator()


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def report(town, text: str = "井盖丢了", **kw):
    """A resident's report in the east street (one case, one "report" event)."""
    return case_intake(actor=town.resident, channel=Channel.RESIDENT, description=text,
                       lon=LON, lat=LAT, category=town.cover, **kw).case


def run_worker() -> None:
    """Run every ready task from the database queue, then return (db_worker --batch)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id="pytest",
           excluded_queue_names=[]).run()
