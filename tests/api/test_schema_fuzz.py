"""Schemathesis against the API's own OpenAPI schema: every operation, a bounded number of
generated requests each (positive and negative data), sent in-process through the WSGI app
with a token of a city administrator, on a small city with cases, categories, departments and
a whistle. No response may be a server error, and every response must be one the schema
declares (status code, content type, headers, body schema).

Bounded and derandomised so it runs in `make test` in about a minute on SQLite and on
PostgreSQL; raise FUZZ_EXAMPLES to search harder."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from civicgrid.accounts.models import Role
from civicgrid.api.tokens import token_create
from civicgrid.cases.workflow import State
from tests.cases.conftest import create_case
from tests.factories import STREET_W, make_user

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
HEADERS = {"X-Forwarded-Proto": "https"}  # behind the TLS proxy, as in production


@pytest.fixture
def city(territory, category, department, fresh_router, settings, tmp_path):
    """A few cases in several states, a whistle and the tokens of two roles."""
    settings.MEDIA_ROOT = tmp_path
    from civicgrid.whistles.models import Whistle

    admin = make_user(Role.CITY_ADMIN, "", username="fuzz_admin")
    for state in (State.REPORTED, State.REGISTERED, State.HANDLING, State.REPORTED_BACK,
                  State.CLOSED):
        create_case(state, category=category, department=department)
    Whistle.objects.create(
        number="XC-W-1", street_code=STREET_W, district_code=STREET_W[:6], title="占道经营",
        description="早市占道", lon=116.305, lat=39.905, raised_by=admin,
        raised_at="2025-09-22T10:00:00+08:00")
    _token, key = token_create(user=admin, name="fuzz", rate_limit_per_minute=1_000_000)
    # The real WSGI handler closes the database connection after each request, which would end
    # the test's transaction on PostgreSQL; Django's own test client unhooks it the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield key
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Loaded when the module is collected (the schema view touches no database). Not through
# schemathesis.pytest.from_fixture: its lazy loader does not work with pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application(),
                                        headers=HEADERS)
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, city):
    # Every check but "schema-valid data is accepted": the domain refuses some well-formed
    # requests with a 400 no schema can express (an unknown category code, an expired cursor,
    # a point outside every grid) — declared 400s with the error body, which is checked.
    case.call_and_validate(headers={**HEADERS, "Authorization": f"Bearer {city}"},
                           excluded_checks=[positive_data_acceptance])
