"""Resident tracking (/track/): number + phone → the public history only; the same message for a
wrong number and a wrong phone; photos through the session only; rating once; a look-up limit."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from civicgrid.cases.models import Attachment, Case, CaseEvent, Reporter
from civicgrid.cases.workflow import State
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import REPORTER_PHONE

pytestmark = pytest.mark.django_db

# The case fixtures of tests/cases/conftest.py (actors, make_case, ...), used by name.
actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department
OTHER_PHONE = "13911112222"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def client() -> Client:
    return Client(HTTP_X_FORWARDED_PROTO="https")


def look_up(c: Client, number: str, phone: str, **extra):
    return c.post("/track/", {"number": number, "phone": phone}, **extra)


def page_after(c: Client, number: str, phone: str) -> str:
    resp = look_up(c, number, phone)
    assert resp.status_code == 302 and resp["Location"] == "/track/case/", resp.status_code
    resp = c.get("/track/case/")
    assert resp.status_code == 200
    return resp.content.decode()


@pytest.fixture
def history(make_case, actors, department, settings, tmp_path):
    """A case in handling with a public and an internal note, a second reporter, staff names
    in the events, and a public and a private photo."""
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cases").mkdir()
    for name in ("pub.png", "priv.png"):
        (tmp_path / "cases" / name).write_bytes(PNG)
    case = make_case(State.HANDLING)
    Reporter.objects.create(case=case, name="李四", phone=OTHER_PHONE, channel="hotline",
                            reported_at=case.reported_at, is_primary=False)
    CaseEvent.objects.create(case=case, action="dispatch", from_state="registered",
                             to_state="dispatched", actor=actors.dispatcher,
                             actor_role=actors.dispatcher.role, unit_department=department,
                             at=case.reported_at, note="已派城管执法局处理")
    CaseEvent.objects.create(case=case, action="note", actor=actors.dispatcher,
                             actor_role=actors.dispatcher.role, at=case.reported_at,
                             note="内部：回访注意方式", internal=True)
    public = Attachment.objects.create(case=case, stage="report", file="cases/pub.png",
                                       content_type="image/png", size=len(PNG), sha256="1" * 64)
    private = Attachment.objects.create(case=case, stage="after", file="cases/priv.png",
                                        content_type="image/png", size=len(PNG),
                                        sha256="2" * 64, public=False)
    return case, public, private


def test_right_pair_shows_the_public_history_only(history):
    case, public, private = history
    c = client()
    page = page_after(c, case.number.lower(), "138 0013 8000")
    assert case.number in page and "处置中" in page and "道路破损" in page
    assert "已派城管执法局处理" in page and "西城区城管执法局" in page
    for secret in ("内部", "回访注意方式", "dispatcher", "街道派遣员", "张三", "李四",
                   REPORTER_PHONE, OTHER_PHONE, "/media/"):
        assert secret not in page, secret
    assert f'src="/track/photos/{public.pk}/"' in page
    assert f"/track/photos/{private.pk}/" not in page
    assert c.get(f"/track/photos/{public.pk}/").status_code == 200
    assert c.get(f"/track/photos/{private.pk}/").status_code == 404
    # Another visitor without the verified pair gets nothing.
    assert client().get(f"/track/photos/{public.pk}/").status_code == 404
    assert client().get("/track/case/")["Location"] == "/track/"


def test_any_reporter_of_the_case_may_look_it_up(history):
    case, *_ = history
    page = page_after(client(), case.number, OTHER_PHONE)
    assert case.number in page and "李四" not in page and "张三" not in page


def test_wrong_number_and_wrong_phone_get_the_same_message(history):
    case, *_ = history
    answers = [look_up(client(), case.number, "13000000000"),
               look_up(client(), "XC-20990101-000001", REPORTER_PHONE)]
    bodies = [re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "",
                     a.content.decode().replace("XC-20990101-000001", case.number))
              for a in answers]
    assert [a.status_code for a in answers] == [200, 200]
    assert "没有找到与该案件编号和手机号匹配的记录" in bodies[0]
    assert bodies[0] == bodies[1]
    assert "处置中" not in bodies[0]


def test_look_ups_are_limited_per_client(history, settings):
    case, *_ = history
    settings.CIVICGRID = {**settings.CIVICGRID, "TRACK_RATE_LIMIT": (3, 600)}
    c = client()
    for _ in range(3):
        assert look_up(c, case.number, "13000000000").status_code == 200
    resp = look_up(c, case.number, REPORTER_PHONE)  # even the right pair waits now
    assert resp.status_code == 429
    assert "查询过于频繁" in resp.content.decode()
    # A fresh session from the same address is still limited (the address counts too).
    assert look_up(client(), case.number, REPORTER_PHONE).status_code == 429
    # Another address is not.
    assert look_up(client(), case.number, REPORTER_PHONE,
                   REMOTE_ADDR="10.1.2.3").status_code == 302


def test_closed_case_is_rated_once(make_case, actors):
    case = make_case(State.CLOSED)
    Reporter.objects.filter(case=case).update(user=actors.resident)
    c = client()
    page = page_after(c, case.number, REPORTER_PHONE)
    assert "请评价本次办理" in page and 'name="rating"' in page
    bad = c.post("/track/rate/", {"rating": "satisfied"})
    assert bad.status_code == 400 and "请选择问题是否已解决" in bad.content.decode()
    resp = c.post("/track/rate/", {"rating": "basically_satisfied", "solved": "yes"})
    assert resp.status_code == 302 and resp["Location"] == "/track/case/?rated=1"
    case.refresh_from_db()
    assert (case.rating, case.solved) == ("basically_satisfied", True)
    event = case.events.get(action="rate")
    assert event.data["source"] == "reporter" and event.actor == actors.resident
    after = c.get("/track/case/?rated=1").content.decode()
    assert "感谢您的评价" in after and "基本满意" in after and 'name="rating"' not in after
    again = c.post("/track/rate/", {"rating": "unsatisfied", "solved": "no"})
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    case.refresh_from_db()
    assert case.rating == "basically_satisfied" and case.events.filter(action="rate").count() == 1


def test_hotline_caller_without_an_account_rates_with_the_verified_phone(make_case):
    case = make_case(State.CLOSED)
    assert not Reporter.objects.filter(case=case, user__isnull=False).exists()
    c = client()
    assert 'name="rating"' in page_after(c, case.number, REPORTER_PHONE)
    resp = c.post("/track/rate/", {"rating": "satisfied", "solved": "yes"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert (case.rating, case.solved) == ("satisfied", True)
    event = case.events.get(action="rate")
    assert event.actor is None and event.actor_role == "resident"
    assert event.data["source"] == "reporter"


def test_rating_needs_the_verified_pair_in_the_session(make_case, actors):
    case = make_case(State.CLOSED)
    Reporter.objects.filter(case=case).update(user=actors.resident)
    resp = client().post("/track/rate/", {"rating": "satisfied", "solved": "yes",
                                          "number": case.number, "phone": REPORTER_PHONE})
    assert resp.status_code == 302 and resp["Location"] == "/track/"
    assert not Case.objects.get(pk=case.pk).rating


def test_open_case_offers_no_rating(history):
    case, *_ = history
    page = page_after(client(), case.number, REPORTER_PHONE)
    assert "请评价本次办理" not in page


def test_form_is_labelled_and_usable_without_login():
    page = client().get("/track/").content.decode()
    assert '<label for="t-number">案件编号</label>' in page
    assert '<label for="t-phone">手机号</label>' in page
    assert 'type="tel"' in page and "csrfmiddlewaretoken" in page
