"""The dispatcher's workbench: who may open it, the queues sorted by deadline with warning
colours, one-click actions that come back to the workbench, the routing suggestion with its
reason, escalations to this level, duplicates side by side with a merge button, and the scope."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.utils import timezone

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import State
from tests.factories import STREET_E, XICHENG
from tests.web import work_helpers
from tests.web.work_helpers import client, get, html, numbers_in, post

# Fixtures of tests/web/work_helpers.py (the case fixtures and more), used by name.
actors = work_helpers.actors
category = work_helpers.category
department = work_helpers.department
fresh_router = work_helpers.fresh_router
hourly = work_helpers.hourly
make_case = work_helpers.make_case
other_department = work_helpers.other_department
rule = work_helpers.rule

pytestmark = pytest.mark.django_db
URL = "/workbench/dispatch/"


def section(page: str, key: str) -> str:
    """The HTML of one queue (from its heading to the next section)."""
    m = re.search(rf'<section class="wb-section" aria-labelledby="h-{key}">(.*?)</section>',
                  page, re.S)
    assert m, key
    return m.group(1)


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


def test_the_workbench_opens_for_dispatchers_and_admins_only(actors, make_case, territory):
    case = make_case(State.REPORTED)
    urls = [URL, f"/workbench/dispatch/duplicates/{case.number}/"]
    for url in urls:
        for user in (actors.dispatcher, actors.commander, actors.district, actors.city,
                     actors.superuser):
            assert get(user, url).status_code == 200, (user, url)
        for user in (actors.handler, actors.community, actors.grid_worker, actors.auditor,
                     actors.resident):
            assert get(user, url).status_code == 403, (user, url)
        assert "/accounts/login/" in client().get(url, secure=True)["Location"]
    assert 'href="/workbench/dispatch/"' in html(get(actors.dispatcher, "/cases/"))
    assert 'href="/workbench/dispatch/"' not in html(get(actors.handler, "/cases/"))


def test_queues_are_sorted_by_deadline_with_warning_colours(actors, make_case, hourly):
    mk = lambda start, due: make_case(  # noqa: E731
        State.REPORTED, category=hourly, reported_at=hours(start), register_deadline=hours(due))
    normal, red, yellow = mk(-1, 10), mk(-3, -1), mk(-10, 1)
    page = section(html(get(actors.dispatcher, URL)), "register")
    assert numbers_in(page) == [red.number, yellow.number, normal.number]
    classes = dict((n, c) for c, n in re.findall(
        r'<tr class="case-row level-([a-z]*)" data-number="([^"]+)"', page))
    assert classes == {red.number: "red", yellow.number: "yellow", normal.number: "normal"}
    assert "已超时" in page and "临近超时" in page


def test_register_from_the_queue_comes_back_to_the_workbench(actors, make_case, category):
    case = make_case(State.REPORTED)
    page = html(get(actors.dispatcher, URL))
    # The suggested category is preselected in the one-click register form.
    form = section(page, "register")
    assert f'<option value="{category.pk}" selected>道路破损</option>' in form
    c = client(actors.dispatcher)
    resp = c.post(f"/cases/{case.number}/act/register/", {"category": category.pk, "next": URL},
                  secure=True)
    assert resp.status_code == 302 and resp["Location"] == URL
    page = html(c.get(URL, secure=True))
    assert f"案件 {case.number} 已立案" in page
    assert case.number not in section(page, "register")
    assert case.number in section(page, "dispatch")


def test_dispatch_shows_the_suggestion_and_its_reason(actors, make_case, rule, department,
                                                     other_department):
    case = make_case(State.REGISTERED)
    row = section(html(get(actors.dispatcher, URL)), "dispatch")
    assert "建议：西城区城管执法局" in row and "西城区责任清单第3条" in row
    assert f'<option value="{department.pk}" selected>西城区城管执法局</option>' in row
    resp = post(actors.dispatcher, f"/cases/{case.number}/act/dispatch/",
                {"department": other_department.pk, "next": URL})
    assert resp.status_code == 400 and "请填写改派理由" in resp.content.decode()
    resp = post(actors.dispatcher, f"/cases/{case.number}/act/dispatch/",
                {"department": other_department.pk, "reason": "路段已移交房管局", "next": URL})
    assert resp["Location"] == URL
    assert Case.objects.get(pk=case.pk).unit_department_id == other_department.pk


def test_reject_needs_a_reason(actors, make_case):
    case = make_case(State.REPORTED)
    resp = post(actors.dispatcher, f"/cases/{case.number}/act/reject/", {"next": URL})
    assert resp.status_code == 400 and "请填写不予立案的理由" in resp.content.decode()
    post(actors.dispatcher, f"/cases/{case.number}/act/reject/",
         {"reason": "不属于政府职责范围", "next": URL})
    assert Case.objects.get(pk=case.pk).state == State.REJECTED


def test_extension_close_and_supervise_queues(actors, make_case):
    ext = make_case(State.EXTENSION_REQUESTED)
    ready = make_case(State.VERIFIED)
    late = make_case(State.HANDLING, handle_deadline=hours(-2))
    on_time = make_case(State.HANDLING, reported_at=hours(-1), handle_deadline=hours(24 * 30))
    commander = html(get(actors.commander, URL))
    assert numbers_in(section(commander, "extension")) == [ext.number]
    assert "批准延期" in section(commander, "extension")
    assert "申请延长 3" in section(commander, "extension")
    assert numbers_in(section(commander, "close")) == [ready.number]
    assert numbers_in(section(commander, "supervise")) == [late.number]
    assert on_time.number not in commander.split('aria-labelledby="h-supervise"')[1]
    # A street dispatcher sees the requests but the commander decides and supervises.
    dispatcher = html(get(actors.dispatcher, URL))
    assert "批准延期" not in section(dispatcher, "extension")
    assert "由街道指挥长或上级管理员审批" in section(dispatcher, "extension")
    assert "督办由街道指挥长或上级管理员发出" in section(dispatcher, "supervise")
    post(actors.commander, f"/cases/{late.number}/act/supervise/", {"note": "今日办结",
                                                                    "next": URL})
    assert Case.objects.get(pk=late.pk).supervise_count == 1
    post(actors.dispatcher, f"/cases/{ready.number}/act/close/", {"next": URL})
    assert Case.objects.get(pk=ready.pk).state == State.CLOSED
    resp = post(actors.commander, f"/cases/{ext.number}/act/deny_extension/", {"next": URL})
    assert resp.status_code == 400 and "驳回延期时请填写审批意见" in resp.content.decode()
    post(actors.commander, f"/cases/{ext.number}/act/deny_extension/",
         {"note": "材料已齐，按原时限办结", "next": URL})
    assert Case.objects.get(pk=ext.pk).state == State.HANDLING


def test_escalated_cases_go_to_the_level_they_were_escalated_to(actors, make_case):
    to_street = make_case(State.REGISTERED, unit_area_code="110102001")
    to_district = make_case(State.REGISTERED, unit_area_code=XICHENG)
    street = section(html(get(actors.dispatcher, URL)), "dispatch")
    assert to_street.number in street and "下级上报至本级" in street
    assert to_district.number not in street
    district = section(html(get(actors.district, URL)), "dispatch")
    assert {to_street.number, to_district.number} <= set(numbers_in(district))


def test_a_street_sees_only_its_own_queue(actors, make_case):
    mine = make_case(State.REPORTED)
    theirs = make_case(State.REPORTED, street_code=STREET_E, community_code=f"{STREET_E}001",
                       grid_code=f"{STREET_E}001001", lon=116.325)
    page = html(get(actors.dispatcher, URL))
    assert mine.number in page and theirs.number not in page
    assert theirs.number in html(get(actors.other_dispatcher, URL))


def _flag(case: Case, *others: Case) -> None:
    """What the intake writes when it finds possible duplicates."""
    CaseEvent.objects.create(case=case, action="report", to_state=case.state, at=case.reported_at,
                             data={"duplicates": [{"case_id": o.pk, "number": o.number,
                                                   "distance_m": 12.5} for o in others]})


def test_duplicates_side_by_side_and_merged(actors, make_case):
    original = make_case(State.REGISTERED, description="路面塌陷，有积水")
    duplicate = make_case(State.REPORTED, description="这里路面塌了一个坑", lon=116.3051)
    finished = make_case(State.CLOSED)
    _flag(duplicate, original, finished)
    page = html(get(actors.dispatcher, URL))
    assert "疑似重复 1 件 · 对比合并" in section(page, "register")
    assert "1 件上报疑似重复" in page

    view = html(get(actors.dispatcher, f"/workbench/dispatch/duplicates/{duplicate.number}/"))
    assert "路面塌陷，有积水" in view and "这里路面塌了一个坑" in view
    assert finished.number not in view  # closed since: nothing to compare with
    assert "相距约 12 米" in view or "相距约 13 米" in view
    data = json.loads(re.search(r'id="dup-map-data" type="application/json">(.*?)</script>',
                                view).group(1))
    assert [p["number"] for p in data["points"]] == [duplicate.number, original.number]
    assert f"合并到 {original.number}" in view
    resp = post(actors.dispatcher, f"/cases/{duplicate.number}/act/merge/",
                {"into": original.number, "next": URL})
    assert resp["Location"] == URL
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == original.pk


def test_a_link_raises_a_whistle(actors, territory):
    assert 'href="/whistles/new/"' in html(get(actors.dispatcher, URL))
    assert 'href="/whistles/new/"' not in html(get(actors.district, URL))
