"""The resident's phone page (/m/report/): report with a photo and a position or an address, get
the case number, follow it on /track/ without typing the phone again, rate it there; retries
with one client key make one case; anonymous submissions are limited like /track/'s look-ups."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from civicgrid.cases.models import Attachment, Case, Channel, Reporter
from civicgrid.cases.workflow import State
from tests.cases import conftest as case_fixtures
from tests.factories import Role, make_user

pytestmark = pytest.mark.django_db

actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department

PHONE = "13700137000"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _fresh_limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()


def client(user=None) -> Client:
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c


def photo(name="p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def report(c: Client, **fields):
    data = {"description": "小区门口路灯不亮，晚上很黑", "phone": PHONE, **fields}
    return c.post("/m/report/", data, **JSON)


def test_the_page_is_light_and_labelled():
    html = client().get("/m/report/").content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html
    for field in ("m-description", "m-photos", "m-address", "m-phone", "m-name"):
        assert f'<label for="{field}"' in html, field
    assert 'role="status" aria-live="polite"' in html
    # No map library, no htmx: the page carries only its own small script and styles.
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts == ["/static/web/mobile.js"]
    assert "leaflet" not in html.lower() and "echarts" not in html.lower()
    labels = json.loads(re.search(r'<script id="m-labels" type="application/json">(.*?)</script>',
                                  html, re.S).group(1))
    assert labels["queued"].startswith("网络不佳")


def test_reporting_with_a_position_gives_a_number_and_a_tracking_link(territory):
    resp = client().post("/m/report/", {
        "description": "井盖松动，车过有响声", "phone": PHONE, "lon": "116.305", "lat": "39.905",
        "photos": [photo()], "client_key": "k-1"}, **JSON)
    body = resp.json()
    assert resp.status_code == 200 and body["ok"] and body["created"]
    case = Case.objects.get(number=body["number"])
    assert case.channel == Channel.RESIDENT and case.state == State.REPORTED
    assert case.grid_code == "110102001001001"  # located from the phone's WGS84 position
    assert Attachment.objects.filter(case=case, stage="report").count() == 1
    assert Reporter.objects.get(case=case).phone == PHONE
    assert body["links"][0]["href"] == f"/m/report/track/{case.number}/"
    assert case.number in body["message"]


def test_an_address_is_enough_without_a_position(territory):
    body = report(client(), address="西城区西长安街街道", description="垃圾桶满了没人清").json()
    case = Case.objects.get(number=body["number"])
    assert case.lon is None and case.street_code == "110102001"


def test_a_retried_submission_never_makes_two_cases(territory):
    c = client()
    first = report(c, client_key="draft-42").json()
    again = report(c, client_key="draft-42").json()
    assert first["created"] and not again["created"]
    assert again["number"] == first["number"]
    assert Case.objects.filter(client_key="draft-42").count() == 1
    assert "没有重复登记" in again["message"]


def test_without_the_script_the_form_posts_and_shows_the_number(territory):
    c = client()
    resp = c.post("/m/report/", {"description": "路面有坑", "phone": PHONE})
    assert resp.status_code == 302 and resp["Location"].startswith("/m/report/done/?n=")
    number = Case.objects.get().number
    html = c.get(resp["Location"]).content.decode()
    assert number in html and f"/m/report/track/{number}/" in html
    # Another browser does not see it.
    elsewhere = client().get(resp["Location"]).content.decode()
    assert "没有找到刚提交的问题" in elsewhere and f"/m/report/track/{number}/" not in elsewhere


@pytest.mark.parametrize("fields, message", [
    ({"phone": ""}, "请填写手机号"),
    ({"description": ""}, "请填写问题描述"),
    ({"phone": "12345"}, "电话号码格式不正确"),
    ({"lon": "200", "lat": "39.9"}, "坐标不在中国境内"),
    ({"lon": "116.3"}, "坐标需同时提供经度和纬度"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(territory, fields, message):
    resp = report(client(), **fields)
    assert resp.status_code == 400 and message in resp.json()["error"]
    assert resp.json()["retry"] is False
    assert not Case.objects.exists()


def test_a_bad_photo_is_named(territory):
    resp = client().post("/m/report/", {"description": "x", "phone": PHONE,
                                        "photos": [SimpleUploadedFile("a.txt", b"hello")]}, **JSON)
    assert resp.status_code == 400 and "a.txt" in resp.json()["error"]


def test_without_the_script_errors_rerender_the_form_with_the_input(territory):
    resp = client().post("/m/report/", {"description": "路灯不亮", "phone": ""})
    html = resp.content.decode()
    assert resp.status_code == 400 and 'role="alert"' in html and "请填写手机号" in html
    assert "路灯不亮</textarea>" in html


def test_anonymous_submissions_are_limited_but_a_retry_is_not_counted(territory, settings):
    settings.CIVICGRID = {**settings.CIVICGRID, "REPORT_RATE_LIMIT": (2, 600)}
    c = client()
    c.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert report(c, client_key="a").json()["created"]
    assert report(c, client_key="b").json()["created"]
    # A retry of a report already taken is answered, not counted.
    assert report(c, client_key="a").json()["number"] == Case.objects.get(client_key="a").number
    refused = report(c, client_key="c")
    assert refused.status_code == 429 and "提交过于频繁" in refused.json()["error"]
    # The address is counted, whatever the session: a fresh browser from there is refused too.
    other = client()
    other.defaults["REMOTE_ADDR"] = "198.51.100.7"
    assert report(other, client_key="d").status_code == 429
    assert Case.objects.count() == 2


def test_staff_reporting_from_the_page_is_not_limited(territory, settings, actors):
    settings.CIVICGRID = {**settings.CIVICGRID, "REPORT_RATE_LIMIT": (1, 600)}
    c = client(actors.community)
    for key in ("s1", "s2", "s3"):
        assert report(c, client_key=key).status_code == 200
    assert Case.objects.count() == 3


def test_the_tracking_link_opens_the_track_page_without_the_phone(territory):
    c = client()
    number = report(c).json()["number"]
    resp = c.get(f"/m/report/track/{number}/")
    assert resp.status_code == 302 and resp["Location"] == "/track/case/"
    html = c.get("/track/case/").content.decode()
    assert number in html and "待立案" in html
    # Someone else's browser with the same link gets the /track/ form with the number filled in.
    stranger = client().get(f"/m/report/track/{number}/")
    assert stranger["Location"] == f"/track/?number={number}"
    form = client().get(stranger["Location"]).content.decode()
    assert f'value="{number}"' in form


def test_a_signed_in_resident_sees_their_cases_and_rates_a_closed_one(make_case, actors):
    closed = make_case(State.CLOSED, reporter_phone=actors.resident.phone)
    Reporter.objects.filter(case=closed).update(user=actors.resident)
    other = make_case(State.CLOSED)  # somebody else's
    c = client(actors.resident)
    html = c.get("/m/report/").content.decode()
    assert "我反映的问题" in html and closed.number in html and other.number not in html
    assert f'value="{actors.resident.phone}"' in html  # the phone is filled in
    assert c.get(f"/m/report/track/{closed.number}/")["Location"] == "/track/case/"
    assert "请评价本次办理" in c.get("/track/case/").content.decode()
    resp = c.post("/track/rate/", {"rating": "satisfied", "solved": "yes"})
    assert resp.status_code == 302
    closed.refresh_from_db()
    assert closed.rating == "satisfied" and closed.solved is True
    # Not their case: the /track/ form, nothing proven.
    assert c.get(f"/m/report/track/{other.number}/")["Location"].startswith("/track/?number=")


def test_a_resident_account_reports_as_itself(territory):
    resident = make_user(Role.RESIDENT, username="r1")
    body = report(client(resident), phone=PHONE).json()
    assert Reporter.objects.get(case__number=body["number"]).user == resident
