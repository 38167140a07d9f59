"""The staff case pages: who may open them, the list's filters and warning badges, the case page
(timeline, masked or full reporters, photos served only through a scoped view, actions)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.cases.models import Attachment, CaseEvent
from civicgrid.cases.workflow import State
from civicgrid.dispatch.models import Category, CategoryKind, Stream, UnitKind
from tests.cases import conftest as case_fixtures
from tests.cases.conftest import REPORTER_PHONE
from tests.factories import STREET_E

pytestmark = pytest.mark.django_db

# The case fixtures of tests/cases/conftest.py (actors, make_case, ...), used by name.
actors = case_fixtures.actors
category = case_fixtures.category
department = case_fixtures.department
fresh_router = case_fixtures.fresh_router
make_case = case_fixtures.make_case
other_department = case_fixtures.other_department

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7"
       b"5\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def client(user=None) -> Client:
    c = Client(HTTP_X_FORWARDED_PROTO="https")
    if user is not None:
        c.force_login(user)
    return c


def html(resp) -> str:
    assert resp.status_code == 200, resp.status_code
    return resp.content.decode()


@pytest.fixture
def hourly(db):
    """A category on the always-running clock, so warning levels do not depend on whether the
    test runs on a working day."""
    return Category.objects.create(
        code="T-HOURLY", name="燃气泄漏", stream=Stream.EMERGENCY_RESPONSE, kind=CategoryKind.EVENT,
        default_unit_kind=UnitKind.DEPARTMENT, register_limit=1, register_unit="emergency_hours",
        dispatch_limit=1, dispatch_unit="emergency_hours", handle_limit=100,
        handle_unit="emergency_hours")


@pytest.fixture
def warned(make_case, hourly):
    """A red (overdue), a yellow (4 of 100 hours left) and a normal case, handled now."""
    now = timezone.now()
    start = now - dt.timedelta(hours=96)
    mk = lambda deadline, **kw: make_case(  # noqa: E731
        State.HANDLING, category=hourly, reported_at=start, dispatched_at=start,
        handle_deadline=deadline, **kw)
    return {"red": mk(now - dt.timedelta(hours=1), description="井盖缺失，已超时"),
            "yellow": mk(now + dt.timedelta(hours=4), description="燃气味道，临近超时"),
            "normal": mk(now + dt.timedelta(hours=90), description="路灯不亮，正常")}


def row_of(page: str, number: str) -> str:
    m = re.search(rf'<tr class="case-row[^"]*" data-number="{number}">.*?</tr>', page, re.S)
    assert m, f"{number} is not listed"
    return m.group(0)


def test_only_staff_open_the_case_pages(actors, make_case):
    case = make_case(State.HANDLING)
    for url in ("/cases/", "/cases/map/", f"/cases/{case.number}/"):
        assert client(actors.resident).get(url).status_code == 403
        resp = client().get(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]
    assert "居民请使用“案件查询”" in client(actors.resident).get("/cases/").content.decode()
    for who in (actors.dispatcher, actors.grid_worker, actors.handler, actors.auditor):
        assert client(who).get("/cases/").status_code == 200


def test_a_case_outside_the_scope_is_not_found(actors, make_case):
    case = make_case(State.HANDLING)
    assert client(actors.other_dispatcher).get(f"/cases/{case.number}/").status_code == 404
    assert case.number not in html(client(actors.other_dispatcher).get("/cases/"))
    # A department sees only what is handed to it.
    assert client(actors.other_handler).get(f"/cases/{case.number}/").status_code == 404
    assert client(actors.handler).get(f"/cases/{case.number}/").status_code == 200
    assert client(actors.dispatcher).get(f"/cases/{case.number.lower()}/").status_code == 200


def test_list_sorts_by_nearest_deadline_with_warning_badges(actors, warned, make_case):
    closed = make_case(State.CLOSED, description="已结案的案件")
    page = html(client(actors.dispatcher).get("/cases/"))
    numbers = re.findall(r'data-number="([^"]+)"', page)
    assert numbers == [warned["red"].number, warned["yellow"].number, warned["normal"].number,
                       closed.number]
    assert "已超时" in row_of(page, warned["red"].number)
    assert "临近超时" in row_of(page, warned["yellow"].number)
    normal = row_of(page, warned["normal"].number)
    assert "已超时" not in normal and "临近超时" not in normal
    assert "西城区城管执法局" in normal and "燃气泄漏" in normal and "处置中" in normal
    assert "共 4 个案件" in page


@pytest.mark.parametrize("level", ["red", "yellow", "normal"])
def test_level_filter_keeps_only_that_level(actors, warned, level):
    page = html(client(actors.dispatcher).get("/cases/", {"level": level}))
    assert re.findall(r'data-number="([^"]+)"', page) == [warned[level].number]


def test_filters_by_state_text_street_channel_and_date(actors, make_case, warned):
    returned = make_case(State.RETURNED, return_count=2, description="人行道砖松动",
                         unit_department=None)
    east = make_case(State.REGISTERED, street_code=STREET_E, community_code=f"{STREET_E}001",
                     grid_code=f"{STREET_E}001001", description="东边的案件")
    c = client(actors.district)

    def listed(**params):
        return re.findall(r'data-number="([^"]+)"', html(c.get("/cases/", params)))

    assert listed(state="returned") == [returned.number]
    assert "退单 2" in row_of(html(c.get("/cases/", {"state": "returned"})), returned.number)
    assert listed(q="砖松动") == [returned.number]
    assert listed(q=east.number.lower()) == [east.number]
    assert listed(street=STREET_E) == [east.number]
    assert listed(state="finished") == []
    assert set(listed(state="open")) == {returned.number, east.number,
                                         *(w.number for w in warned.values())}
    assert listed(channel="patrol") == []
    assert listed(stream=Stream.EMERGENCY_RESPONSE) == [w.number for w in
                                               (warned["red"], warned["yellow"], warned["normal"])]
    day = returned.reported_at.astimezone(timezone.get_current_timezone()).date()
    assert returned.number in listed(**{"from": str(day), "to": str(day)})
    assert returned.number not in listed(**{"from": str(day + dt.timedelta(days=1))})
    bad = html(c.get("/cases/", {"state": "nonsense", "from": "2025-13-40"}))
    assert "状态“nonsense”无效" in bad and "不是有效日期" in bad


def test_htmx_gets_only_the_results_and_the_page_works_without_js(actors, warned):
    c = client(actors.dispatcher)
    full = html(c.get("/cases/", {"level": "red"}))
    assert '<form class="filters" method="get" action="/cases/"' in full
    assert 'hx-get="/cases/"' in full and "<html" in full
    partial = html(c.get("/cases/", {"level": "red"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and "<form" not in partial
    assert re.findall(r'data-number="([^"]+)"', partial) == [warned["red"].number]


def test_pagination_keeps_the_filter(actors, make_case, monkeypatch):
    from civicgrid.web import views_cases

    monkeypatch.setattr(views_cases, "PER_PAGE", 2)
    made = [make_case(State.REGISTERED) for _ in range(5)]
    c = client(actors.dispatcher)
    first = html(c.get("/cases/", {"state": "registered"}))
    assert "第 1 / 3 页" in first and 'href="?state=registered&amp;page=2"' in first
    third = html(c.get("/cases/", {"state": "registered", "page": "3"}))
    assert re.findall(r'data-number="([^"]+)"', third) == [made[4].number]
    assert "第 3 / 3 页" in html(c.get("/cases/", {"state": "registered", "page": "99"}))


def test_case_page_shows_timeline_deadlines_routing_and_actions(actors, make_case, department,
                                                               territory):
    case = make_case(State.DISPATCHED, routing_reason="责任清单：道路破损 → 西城区城管执法局")
    CaseEvent.objects.create(case=case, action="dispatch", from_state="registered",
                             to_state="dispatched", actor=actors.dispatcher,
                             actor_role=actors.dispatcher.role, unit_department=department,
                             at=case.reported_at, note="请尽快处理")
    CaseEvent.objects.create(case=case, action="note", actor=actors.dispatcher,
                             actor_role=actors.dispatcher.role, at=case.reported_at,
                             note="报告人情绪激动", internal=True)
    page = html(client(actors.handler).get(f"/cases/{case.number}/"))
    assert "请尽快处理" in page and "dispatcher（街道派遣员）" in page
    assert "内部记录，不向居民公开" in page and "报告人情绪激动" in page
    assert "责任清单：道路破损 → 西城区城管执法局" in page
    assert "处置时限" in page and "路面塌陷，有积水" in page
    # The handling department may sign for it or return it; the dispatcher may not.
    assert 'data-action="accept"' in page and 'data-action="return_case"' in page
    assert 'data-action="accept"' not in html(
        client(actors.dispatcher).get(f"/cases/{case.number}/"))
    assert '"point": [116.305, 39.905]' in page and '"grid": {"type": "Polygon"' in page


def test_reporters_are_masked_for_a_department_and_full_for_a_dispatcher(actors, make_case):
    case = make_case(State.HANDLING)
    masked = html(client(actors.handler).get(f"/cases/{case.number}/"))
    assert "138****8000" in masked and REPORTER_PHONE not in masked and "张*" in masked
    full = html(client(actors.dispatcher).get(f"/cases/{case.number}/"))
    assert REPORTER_PHONE in full and "张三" in full


def test_photos_are_streamed_only_to_who_may_see_the_case(actors, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "cases" / "ab").mkdir(parents=True)
    (tmp_path / "cases" / "ab" / "p.png").write_bytes(PNG)
    case = make_case(State.HANDLING)
    photo = Attachment.objects.create(case=case, stage="report", file="cases/ab/p.png",
                                      content_type="image/png", size=len(PNG), sha256="0" * 64)
    url = f"/cases/{case.number}/photos/{photo.pk}/"
    page = html(client(actors.dispatcher).get(f"/cases/{case.number}/"))
    assert f'src="{url}"' in page and "/media/" not in page
    resp = client(actors.dispatcher).get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content) == PNG
    assert client(actors.other_dispatcher).get(url).status_code == 404
    assert client(actors.resident).get(url).status_code == 403
    other = make_case(State.HANDLING)
    assert client(actors.dispatcher).get(
        f"/cases/{other.number}/photos/{photo.pk}/").status_code == 404


def test_nav_links_cases_for_staff_and_tracking_for_everyone(actors):
    staff = html(client(actors.dispatcher).get("/"))
    assert 'href="/cases/"' in staff and 'href="/track/"' in staff
    anon = html(client().get("/"))
    assert 'href="/cases/"' not in anon and 'href="/track/"' in anon
