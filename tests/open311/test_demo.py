"""`make demo` prints a working Open311 api_key (`civicgrid demo info` shows it)."""

import io

import pytest
from django.core.management import call_command

from civicgrid.api.models import ApiToken
from civicgrid.api.tokens import token_revoke
from civicgrid.demo.load import DEMO_OPEN311_KEY, demo_open311_key, ensure_demo_open311_key
from tests.open311.conftest import call, cover_report

pytestmark = pytest.mark.django_db


def test_demo_key_is_created_once_printed_and_works(http, city):
    ensure_demo_open311_key()
    ensure_demo_open311_key()
    token = ApiToken.objects.get(key_prefix=DEMO_OPEN311_KEY[:8])
    assert token.kind == "open311" and not token.user.has_usable_password()
    out = io.StringIO()
    call_command("demo", "info", stdout=out)
    assert DEMO_OPEN311_KEY in out.getvalue()
    assert call(http, "POST", "requests", "json",
                **cover_report(DEMO_OPEN311_KEY)).status_code == 201
    token_revoke(token=token)
    assert demo_open311_key() is None
    ensure_demo_open311_key()  # a revoked demo key stays revoked
    assert call(http, "POST", "requests", "json",
                **cover_report(DEMO_OPEN311_KEY)).status_code == 403
