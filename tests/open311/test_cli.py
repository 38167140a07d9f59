"""`civicgrid open311 key create --name NAME` prints a key that POSTs; the client's account
is a resident that cannot sign in."""

import io

import pytest
from django.core.management import call_command

from civicgrid.accounts.models import Role
from civicgrid.api.models import ApiToken
from tests.open311.conftest import call, cover_report

pytestmark = pytest.mark.django_db


def test_key_create_prints_a_working_key(http, city):
    out = io.StringIO()
    call_command("open311", "key", "create", "--name", "市民随手拍App", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(name="市民随手拍App")
    assert token.kind == "open311" and key.startswith(token.key_prefix)
    assert token.user.username == "open311-市民随手拍app"
    assert token.user.role == Role.RESIDENT and not token.user.has_usable_password()
    assert call(http, "POST", "requests", "json", **cover_report(key)).status_code == 201
    # A second key for the same client: the same account.
    call_command("open311", "key", "create", "--name", "市民随手拍App", stdout=io.StringIO())
    assert ApiToken.objects.filter(user=token.user).count() == 2
    listing = io.StringIO()
    call_command("open311", "key", "list", stdout=listing)
    assert key not in listing.getvalue() and "市民随手拍App" in listing.getvalue()
