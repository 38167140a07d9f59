"""API tokens: created with a key shown once (only its hash stored), found by key, revoked;
Bearer authentication on the API; per-token rate limits; the `civicgrid api token` command."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from civicgrid.api.models import ApiToken
from civicgrid.api.tokens import token_create, token_for_key, token_revoke
from civicgrid.core.errors import InvalidInput

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


def test_create_stores_only_a_hash(actors):
    token, key = token_create(user=actors.dispatcher, name="12345热线接口")
    assert key.startswith("cg_") and len(key) > 40
    row = ApiToken.objects.get(pk=token.pk)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.key_prefix == key[:8]
    assert key not in {str(v) for v in ApiToken.objects.values_list(
        "name", "key_prefix", "key_hash").get(pk=token.pk)}
    assert row.rate_limit_per_minute == 600 and row.kind == "api"


def test_create_rejects_bad_input(actors):
    with pytest.raises(InvalidInput):
        token_create(user=actors.dispatcher, name=" ")
    with pytest.raises(InvalidInput):
        token_create(user=actors.dispatcher, name="x", kind="other")
    with pytest.raises(InvalidInput):
        token_create(user=actors.dispatcher, name="x", rate_limit_per_minute=0)


def test_for_key_kind_revoked_inactive(actors):
    token, key = token_create(user=actors.dispatcher, name="a")
    assert token_for_key(key) == token
    assert token_for_key(key, kind="api") == token
    assert token_for_key(key, kind="open311") is None
    assert token_for_key(key + "x") is None
    assert token_for_key("") is None
    token_revoke(token=token)
    first = token.revoked_at
    assert first is not None and token_for_key(key) is None
    token_revoke(token=token)
    assert token.revoked_at == first  # idempotent
    other, key2 = token_create(user=actors.commander, name="b")
    actors.commander.is_active = False
    actors.commander.save(update_fields=["is_active"])
    assert token_for_key(key2) is None


def test_last_used_is_touched_at_most_once_a_minute(actors):
    token, key = token_create(user=actors.dispatcher, name="a")
    assert token.last_used_at is None
    first = token_for_key(key).last_used_at
    assert first is not None
    assert token_for_key(key).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    assert token_for_key(key).last_used_at > first - dt.timedelta(seconds=1)


def test_bearer_auth(api, actors):
    assert api(actors.dispatcher).get(URL).status_code == 200
    for client in (api(None), Client(HTTP_AUTHORIZATION="Bearer cg_nope")):
        r = client.get(URL, secure=True)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthenticated"
        assert set(r.json()) == {"code", "message", "details"}


def test_revoked_token_is_401(api, actors):
    client = api(actors.dispatcher)
    assert client.get(URL).status_code == 200
    token_revoke(token=ApiToken.objects.get(user=actors.dispatcher))
    assert client.get(URL).status_code == 401


def test_open311_key_is_not_an_api_token(actors):
    _t, key = token_create(user=actors.dispatcher, name="o", kind="open311")
    r = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(URL, secure=True)
    assert r.status_code == 401


def test_session_still_works_for_the_pages(actors):
    c = Client()
    c.force_login(actors.dispatcher)
    assert c.get(URL, secure=True).status_code == 200


def test_session_post_needs_csrf(actors):
    c = Client(enforce_csrf_checks=True)
    c.force_login(actors.dispatcher)
    r = c.post(URL, {}, content_type="application/json", secure=True)
    assert r.status_code == 403
    assert set(r.json()) == {"code", "message", "details"}


def test_token_post_needs_no_csrf(api, actors):
    c = api(actors.dispatcher)
    c.client.handler.enforce_csrf_checks = True
    r = c.post(URL, {"description": "路灯不亮", "lon": 116.305, "lat": 39.905})
    assert r.status_code == 201, r.content


def test_rate_limit_429_with_retry_after(api, actors):
    client = api(actors.dispatcher, rate_limit_per_minute=3)
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    r = client.get(URL)
    assert r.status_code == 429
    assert 1 <= int(r["Retry-After"]) <= 60
    body = r.json()
    assert body["code"] == "rate_limited" and body["details"]["retry_after"] == int(
        r["Retry-After"])
    # Another token of the same user counts on its own.
    assert api(actors.dispatcher).get(URL).status_code == 200


def test_rate_limit_window_resets(api, actors, monkeypatch):
    from civicgrid.api import ratelimit

    now = [1_000_020.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    client = api(actors.dispatcher, rate_limit_per_minute=1)
    assert client.get(URL).status_code == 200
    r = client.get(URL)
    assert r.status_code == 429 and r["Retry-After"] == "60"
    now[0] += 60
    assert client.get(URL).status_code == 200


def test_command_create_list_revoke(actors):
    out = io.StringIO()
    call_command("api", "token", "create", "--user", "dispatcher", "--name", "12345热线接口",
                 stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = token_for_key(key)
    assert token is not None and token.user == actors.dispatcher
    out = io.StringIO()
    call_command("api", "token", "list", stdout=out)
    assert token.key_prefix in out.getvalue() and key not in out.getvalue()
    call_command("api", "token", "revoke", str(token.pk), stdout=io.StringIO())
    assert token_for_key(key) is None
    with pytest.raises(CommandError):
        call_command("api", "token", "create", "--user", "nobody", "--name", "x",
                     stdout=io.StringIO())


def test_admin_lists_without_key_and_revokes(actors):
    token, key = token_create(user=actors.dispatcher, name="12345热线接口")
    root = actors.superuser
    root.is_staff = True
    root.save(update_fields=["is_staff"])
    c = Client()
    c.force_login(root)
    page = c.get("/admin/api/apitoken/", secure=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "12345热线接口" in html and key not in html and token.key_hash not in html
    r = c.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]},
               secure=True)
    assert r.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_at <= timezone.now()
