"""The department's workbench: only department handlers open it; their own unit's cases by
deadline (never another department's), accept or return with a reason, report back with a
photo, ask for an extension, co-handling tasks, and the whistles that summoned the
department with its report-in."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from civicgrid.cases.models import Attachment, Case, CaseTask
from civicgrid.cases.workflow import State
from tests.cases.test_attachments import png_bytes
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

pytestmark = pytest.mark.django_db
URL = "/workbench/department/"


def section(page: str, key: str) -> str:
    m = re.search(rf'<section class="wb-section" aria-labelledby="h-{key}">(.*?)</section>',
                  page, re.S)
    assert m, key
    return m.group(1)


def hours(n: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=n)


def test_only_department_handlers_open_it(actors, territory):
    assert get(actors.handler, URL).status_code == 200
    for user in (actors.dispatcher, actors.commander, actors.community, actors.grid_worker,
                 actors.district, actors.city, actors.auditor, actors.resident):
        assert get(user, URL).status_code == 403, user
    assert 'href="/workbench/department/"' in html(get(actors.handler, "/cases/"))
    assert 'href="/workbench/department/"' not in html(get(actors.dispatcher, "/cases/"))


def test_my_units_cases_by_deadline_and_no_one_elses(actors, make_case, hourly,
                                                     other_department):
    mk = lambda state, start, due, **kw: make_case(  # noqa: E731
        state, category=hourly, reported_at=hours(start), handle_deadline=hours(due), **kw)
    later, red, yellow = mk(State.DISPATCHED, -1, 90), mk(State.DISPATCHED, -5, -1), \
        mk(State.DISPATCHED, -90, 2)
    handling = mk(State.HANDLING, -2, 50)
    theirs = mk(State.DISPATCHED, -2, 1, department=other_department)
    page = html(get(actors.handler, URL))
    assert numbers_in(section(page, "accept")) == [red.number, yellow.number, later.number]
    assert numbers_in(section(page, "handling")) == [handling.number]
    assert theirs.number not in page
    assert f'class="case-row level-red" data-number="{red.number}"' in page
    assert theirs.number in html(get(actors.other_handler, URL))


def test_accept_return_report_back_and_extension_from_the_workbench(actors, make_case,
                                                                    settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    take, refuse, done, slow = (make_case(State.DISPATCHED), make_case(State.DISPATCHED),
                                make_case(State.HANDLING), make_case(State.HANDLING))
    c = client(actors.handler)
    resp = c.post(f"/cases/{take.number}/act/accept/", {"next": URL}, secure=True)
    assert resp["Location"] == URL
    assert f"案件 {take.number} 已签收" in html(c.get(URL, secure=True))
    resp = c.post(f"/cases/{refuse.number}/act/return_case/", {"next": URL}, secure=True)
    assert resp.status_code == 400 and "请填写退单理由" in resp.content.decode()
    c.post(f"/cases/{refuse.number}/act/return_case/", {"reason": "属房管局职责", "next": URL},
           secure=True)
    photo = SimpleUploadedFile("修复后.png", png_bytes(), content_type="image/png")
    c.post(f"/cases/{done.number}/act/report_back/", {"note": "已修补", "photos": photo,
                                                      "next": URL}, secure=True)
    c.post(f"/cases/{slow.number}/act/request_extension/",
           {"amount": "3", "unit": "working_days", "reason": "等待材料", "next": URL}, secure=True)
    states = dict(Case.objects.filter(pk__in=[take.pk, refuse.pk, done.pk, slow.pk])
                  .values_list("number", "state"))
    assert states == {take.number: State.HANDLING, refuse.number: State.RETURNED,
                      done.number: State.REPORTED_BACK, slow.number: State.EXTENSION_REQUESTED}
    assert Attachment.objects.get(case=done).stage == "after"
    page = html(c.get(URL, secure=True))
    assert "延期申请待审批" in section(page, "handling")
    queues = section(page, "accept") + section(page, "handling")
    assert done.number not in queues and refuse.number not in queues


def test_co_handling_tasks_are_reported_from_the_workbench(actors, make_case, department,
                                                           other_department):
    case = make_case(State.HANDLING, department=other_department)
    CaseTask.objects.create(case=case, role="lead", unit_department=other_department,
                            assigned_at=case.dispatched_at)
    CaseTask.objects.create(case=case, role="assist", unit_department=department,
                            assigned_at=case.dispatched_at)
    page = html(get(actors.handler, URL))
    assert numbers_in(section(page, "assist")) == [case.number]
    assert numbers_in(section(page, "handling")) == []
    post(actors.handler, f"/cases/{case.number}/act/assist_report/",
         {"note": "已配合清理现场", "next": URL})
    assert CaseTask.objects.get(case=case, role="assist").reported_back_at is not None
    assert numbers_in(section(html(get(actors.handler, URL)), "assist")) == []


def test_whistles_that_summoned_the_department_with_report_in(actors, territory, department,
                                                              other_department):
    from civicgrid.whistles.catalogue import catalogue_load_default
    from civicgrid.whistles.models import WhistleProblem
    from civicgrid.whistles.services import whistle_raise

    catalogue_load_default()
    whistle = whistle_raise(actor=actors.dispatcher, departments=[department],
                            problem=WhistleProblem.objects.order_by("code").first(),
                            title="群租房整治", description="一套住房隔出12间出租",
                            lon=116.305, lat=39.905)
    page = section(html(get(actors.handler, URL)), "whistles")
    assert whistle.number in page and "待响应" in page and "响应（收到，正在赶往）" in page
    assert whistle.number not in html(get(actors.other_handler, URL))
    resp = post(actors.handler, f"/whistles/{whistle.number}/acknowledge/")
    assert resp.status_code == 302
    page = section(html(get(actors.handler, URL)), "whistles")
    assert "已响应，在途" in page and "响应（收到，正在赶往）" not in page
    assert "到场报到（需定位）" in page
