"""GET requests.{fmt} and requests/{id}.{fmt}: the spec's fields for every case, the filters
(service_request_id overriding the rest, service_code, status, dates with the 90-day default),
pagination, extensions=true, and no personal data anywhere."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from civicgrid.api.open311.params import parse_datetime
from civicgrid.cases.models import Attachment, Case, CaseEvent, Reporter
from civicgrid.cases.workflow import State
from tests.cases.conftest import create_case
from tests.factories import make_department
from tests.open311.conftest import call, cover_report
from tests.open311.spec import (
    EXTENDED,
    NOTE,
    REQUEST,
    json_body,
    json_errors,
    tags,
    xml_errors,
    xml_items,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def case(city, state=State.HANDLING, days_ago=1, category=None, **fields):
    fields.setdefault("department", make_department(code=f"D{Case.objects.count()}",
                                                    name="西城区城管执法局"))
    return create_case(state, category=category or city.cover,
                       reported_at=NOW - dt.timedelta(days=days_ago), **fields)


def rows(http, fmt="json", **params):
    r = call(http, "GET", "requests", fmt, **params)
    assert r.status_code == 200, r.content
    return json_body(r) if fmt == "json" else xml_items(r, "service_requests", "request")


def w3_with_zone(value: str) -> bool:
    return value.endswith("+08:00") and parse_datetime(value) is not None


def test_fields_and_mapping_json(http, city):
    c = case(city, description="井盖破了", address="新街口北大街12号")
    (row,) = rows(http)
    assert list(row) == REQUEST
    assert row["service_request_id"] == c.number
    assert row["status"] == "open" and row["status_notes"] == "处置中"
    assert (row["service_code"], row["service_name"]) == ("C0101", "上水井盖")
    assert row["description"] == "井盖破了"
    assert row["agency_responsible"] == "西城区城管执法局"
    assert row["address"] == "新街口北大街12号" and row["address_id"] == c.grid_code
    assert (row["lat"], row["long"]) == (c.lat, c.lon)
    assert row["zipcode"] is None and row["media_url"] is None
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert w3_with_zone(row[field]), row[field]
    assert parse_datetime(row["expected_datetime"]) == c.handle_deadline


def test_fields_xml(http, city):
    c = case(city)
    (item,) = rows(http, "xml")
    assert tags(item) == REQUEST
    assert item.findtext("service_request_id") == c.number
    assert item.findtext("status") == "open"
    assert item.find("zipcode") is not None and item.findtext("zipcode") == ""  # as in the spec


def test_closed_rejected_and_merged_are_closed_with_notes(http, city):
    closed = case(city, State.CLOSED, closed_at=NOW - dt.timedelta(hours=5))
    CaseEvent.objects.create(case=closed, action="close", from_state=State.VERIFIED,
                             to_state=State.CLOSED, at=closed.closed_at, note="井盖已更换")
    target = case(city)
    merged = case(city, State.MERGED, merged_into=target)
    by_id = {r["service_request_id"]: r for r in rows(http)}
    assert by_id[closed.number]["status"] == "closed"
    assert by_id[closed.number]["status_notes"] == "已结案：井盖已更换"
    assert parse_datetime(by_id[closed.number]["updated_datetime"]) == closed.closed_at.replace(
        microsecond=0)
    assert by_id[merged.number]["status"] == "closed"
    assert target.number in by_id[merged.number]["status_notes"]
    assert by_id[target.number]["status"] == "open"


def test_status_filter(http, city):
    open_case, closed = case(city), case(city, State.CLOSED)
    assert [r["service_request_id"] for r in rows(http, status="open")] == [open_case.number]
    assert [r["service_request_id"] for r in rows(http, status="closed")] == [closed.number]
    assert len(rows(http, status="open,closed")) == 2
    r = call(http, "GET", "requests", "json", status="pending")
    assert r.status_code == 400 and json_errors(r)


def test_service_code_filter(http, city):
    cover, waste = case(city), case(city, category=city.waste)
    assert [r["service_request_id"] for r in rows(http, service_code="E0101")] == [waste.number]
    assert len(rows(http, service_code="E0101,C0101")) == 2
    assert rows(http, service_code="NOPE") == []
    assert cover


def test_dates_default_to_the_last_90_days(http, city):
    recent, old = case(city, days_ago=10), case(city, days_ago=120)
    assert [r["service_request_id"] for r in rows(http)] == [recent.number]
    start = (NOW - dt.timedelta(days=130)).isoformat()
    end = (NOW - dt.timedelta(days=100)).isoformat()
    assert [r["service_request_id"] for r in rows(http, start_date=start, end_date=end)] == [
        old.number]
    # A "+" the client forgot to encode arrives as a space and still parses.
    assert len(rows(http, start_date=start.replace("+", " "), end_date=end)) == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("params", [
    {"start_date": "yesterday"},
    {"end_date": "2026-13-45T00:00:00Z"},
    {"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"},
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},  # > 90 days
])
def test_bad_dates_are_400(http, city, fmt, params):
    r = call(http, "GET", "requests", fmt, **params)
    assert r.status_code == 400
    errors = json_errors(r) if fmt == "json" else xml_errors(r)
    assert errors[0]["code"] == 400


def test_service_request_id_overrides_everything_else(http, city):
    old = case(city, State.CLOSED, days_ago=300)
    recent = case(city)
    got = rows(http, service_request_id=f"{old.number},{recent.number.lower()},NOPE",
               status="open", service_code="E0101", start_date="garbage-is-ignored-too")
    assert {r["service_request_id"] for r in got} == {old.number, recent.number}


def test_pagination_extension(http, city):
    made = [case(city, days_ago=d) for d in (1, 2, 3, 4, 5)]
    newest_first = [c.number for c in made]
    assert [r["service_request_id"] for r in rows(http, page_size=2)] == newest_first[:2]
    assert [r["service_request_id"] for r in rows(http, page=3, page_size=2)] == newest_first[4:]
    assert rows(http, page=4, page_size=2) == []
    assert len(rows(http, page_size=5000)) == 5  # capped at 1000, not an error
    for bad in ({"page": "0"}, {"page_size": "x"}):
        assert call(http, "GET", "requests", "json", **bad).status_code == 400


def test_at_most_1000_by_default(http, city, monkeypatch):
    from civicgrid.api.open311 import params

    monkeypatch.setattr(params, "MAX_RESULTS", 3)
    for d in range(5):
        case(city, days_ago=d + 1)
    assert len(rows(http)) == 3


def test_no_personal_data_in_public_answers(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(
        city.key, description="我是李明，电话13912345678，邮箱li@example.com，"
                              "身份证110101199001011234，李先生家门口井盖没了"))
    number = json_body(r)[0]["service_request_id"]
    for fmt in ("json", "xml"):
        for path in ("requests", f"requests/{number}"):
            body = call(http, "GET", path, fmt, extensions="true").content.decode()
            for secret in ("李明", "13912345678", "li@example.com", "110101199001011234",
                           "李先生", "dev-1", "acct-9"):
                assert secret not in body, (path, fmt, secret)
    (row,) = rows(http)
    assert "139****5678" in row["description"] and "*先生" in row["description"]
    assert number in [r["service_request_id"] for r in rows(http)]  # the number stays


def test_private_categories_show_status_but_not_what_or_where(http, city):
    c = case(city, category=city.noise, description="楼上每晚装修", address="新街口3号楼2单元")
    (row,) = rows(http)
    assert row["service_request_id"] == c.number and row["status"] == "open"
    for field in ("description", "address", "address_id", "lat", "long", "media_url"):
        assert row[field] is None, field
    assert row["service_name"] == "噪音扰民"


def test_media_url_is_the_first_public_photo(http, city, settings):
    c = case(city)
    (row,) = rows(http)
    assert row["media_url"] is None
    hidden = Attachment(case=c, stage="report", content_type="image/jpeg", size=3, sha256="0",
                        public=False)
    hidden.file.save("hidden.jpg", ContentFile(b"abc"))
    shown = Attachment(case=c, stage="report", content_type="image/jpeg", size=3, sha256="1")
    shown.file.save("shown.jpg", ContentFile(b"abc"))
    (row,) = rows(http)
    assert row["media_url"].startswith("https://testserver/")
    assert row["media_url"].endswith(shown.file.url.rsplit("/", 1)[1])


def test_extensions_add_attributes_and_public_notes(http, city):
    r = call(http, "POST", "requests", "json", **cover_report(city.key))
    case_obj = Case.objects.get(number=json_body(r)[0]["service_request_id"])
    CaseEvent.objects.create(case=case_obj, action="return_case", from_state="dispatched",
                             to_state="returned", at=timezone.now(), note="不归我们管",
                             internal=True)
    CaseEvent.objects.create(case=case_obj, action="dispatch", from_state="registered",
                             to_state="dispatched", at=timezone.now(),
                             note="请联系13912345678现场确认")
    (plain,) = rows(http)
    assert list(plain) == REQUEST
    (row,) = rows(http, extensions="true")
    assert list(row) == REQUEST + EXTENDED
    assert {(a["code"], a["value"]) for a in row["attributes"]} == {
        ("cover_problem", "missing"), ("hazards", "pedestrians"), ("hazards", "water")}
    assert row["extended_attributes"]["channel"] == "open311"
    notes = row["notes"]
    assert [n["type"] for n in notes] == ["opened", "activity"]  # the internal return is left out
    assert all(list(n) == NOTE for n in notes)
    assert notes[1]["description"] == "请联系139****5678现场确认"
    assert "不归我们管" not in call(http, "GET", "requests", "json",
                                   extensions="true").content.decode()
    (item,) = rows(http, "xml", extensions="true")
    assert tags(item) == REQUEST + EXTENDED
    assert set(tags(item.find("notes"))) == {"note"}
    assert set(tags(item.find("attributes"))) == {"attribute"}


def test_single_request(http, city):
    c = case(city)
    r = call(http, "GET", f"requests/{c.number}", "json")
    (row,) = json_body(r)
    assert list(row) == REQUEST and row["service_request_id"] == c.number
    r = call(http, "GET", f"requests/{c.number}", "xml")
    (item,) = xml_items(r, "service_requests", "request")
    assert item.findtext("service_request_id") == c.number


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404(http, city, fmt):
    r = call(http, "GET", "requests/XC-00000000-000000", fmt)
    assert r.status_code == 404
    assert (json_errors(r) if fmt == "json" else xml_errors(r))[0]["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_token_is_404(http, city, fmt):
    r = call(http, "GET", "tokens/never-sent", fmt)
    assert r.status_code == 404
    assert (json_errors(r) if fmt == "json" else xml_errors(r))[0]["code"] == 404


def test_token_xml(http, city):
    call(http, "POST", "requests", "json", **cover_report(city.key, idempotency_key="t-1"))
    r = call(http, "GET", "tokens/t-1", "xml")
    (item,) = xml_items(r, "service_requests", "request")
    assert tags(item) == ["service_request_id", "token"]
    assert item.findtext("token") == "t-1"


def test_xml_survives_control_characters(http, city):
    case(city, description="井盖\x07坏了\x1b")
    (item,) = rows(http, "xml")
    assert item.findtext("description") == "井盖坏了"
    assert ET  # parsed above without error


def test_reporter_rows_are_never_read_for_output(http, city):
    c = case(city)
    Reporter.objects.filter(case=c).update(name="王五", phone="13700001111")
    assert "王五" not in call(http, "GET", "requests", "xml").content.decode()


@pytest.mark.parametrize("path", ["requests/XC%00", "tokens/a%00b", "services/NO%00PE"])
def test_nul_in_the_path_is_a_404_not_a_server_error(http, city, path):
    r = http.get(f"/open311/v2/{path}.json", secure=True)
    assert r.status_code == 404 and json_errors(r)
