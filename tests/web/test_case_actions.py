"""The case page's action forms and POST /cases/<number>/act/<action>/: every workflow action
through the test client as a browser would send it (form strings, uploaded photos), a redirect
with a Chinese message after success, and after a refusal the page again with the message, the
right status and nothing changed."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.cases.models import Attachment, Case, CaseEvent, Extension
from civicgrid.cases.workflow import State
from tests.cases.test_attachments import png_bytes
from tests.web import work_helpers
from tests.web.work_helpers import ago, client, get, html, post

# Fixtures of tests/web/work_helpers.py (the case fixtures and more), used by name.
actors = work_helpers.actors
category = work_helpers.category
department = work_helpers.department
fresh_router = work_helpers.fresh_router
make_case = work_helpers.make_case
other_department = work_helpers.other_department
rule = work_helpers.rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def act(user, case, action, data=None, **kw):
    return post(user, f"/cases/{case.number}/act/{action}/", data, **kw)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def forms_on(page: str) -> list[str]:
    return re.findall(r'<form class="act-form[^"]*"[^>]*data-action="([a-z_]+)"', page)


def act_and_follow(user, case, action, data=None) -> str:
    """POST the action and open the page it redirects to, in the same browser session (the
    success message travels in the session)."""
    c = client(user)
    resp = c.post(f"/cases/{case.number}/act/{action}/", data or {}, secure=True)
    assert resp.status_code == 302, (resp.status_code, resp.content[:800])
    return html(c.get(resp["Location"], secure=True))


# --- the forms on the case page ----------------------------------------------------------------

def test_the_case_page_has_a_form_for_each_available_action(actors, make_case, rule,
                                                              department):
    reported = make_case(State.REPORTED)
    page = html(get(actors.dispatcher, f"/cases/{reported.number}/"))
    assert forms_on(page) == ["register", "reject", "merge"]  # stopping ones after
    # The intake's category is preselected in the register form.
    assert re.search(rf'<option value="{reported.category_id}" selected>道路破损</option>', page)

    registered = make_case(State.REGISTERED)
    page = html(get(actors.dispatcher, f"/cases/{registered.number}/"))
    assert "dispatch" in forms_on(page)
    # The routing suggestion and its reason, and the suggested department preselected.
    assert "责任清单建议：西城区城管执法局" in page and "西城区责任清单第3条" in page
    assert f'<option value="{department.pk}" selected>西城区城管执法局</option>' in page

    dispatched = make_case(State.DISPATCHED)
    assert forms_on(html(get(actors.handler, f"/cases/{dispatched.number}/"))) == [
        "accept", "return_case"]
    assert forms_on(html(get(actors.auditor, f"/cases/{dispatched.number}/"))) == []
    assert "当前没有您可以办理的操作" in html(get(actors.auditor, f"/cases/{dispatched.number}/"))


def test_photos_are_grouped_before_after_and_at_verification(actors, make_case):
    case = make_case(State.VERIFIED)
    from civicgrid.cases.services.attachments import attach

    attach(case=case, files=[("a.png", png_bytes())], stage="report", actor=actors.dispatcher)
    attach(case=case, files=[("b.png", png_bytes())], stage="after", actor=actors.handler)
    page = html(get(actors.dispatcher, f"/cases/{case.number}/"))
    stages = re.findall(r'<div class="photo-stage">\s*<h3>([^<]+)</h3>\s*(<ul|<p)', page)
    assert stages == [("上报及处置前", "<ul"), ("处置后", "<ul"), ("核查", "<p")]


# --- each action through the client ----------------------------------------------------------

def test_register_with_the_suggested_category_or_another(actors, make_case, category, db):
    from civicgrid.dispatch.models import Category

    other = Category.objects.create(code="T-LAMP", name="路灯不亮", stream=category.stream,
                                    kind=category.kind, default_unit_kind="department")
    kept, changed = make_case(State.REPORTED), make_case(State.REPORTED)
    page = act_and_follow(actors.dispatcher, kept, "register", {"category": category.pk,
                                                                 "note": "已核实"})
    assert f"案件 {kept.number} 已立案，当前状态：待派遣。" in page
    assert f"<h1><span class=\"case-number\">{kept.number}</span>" in page
    act(actors.dispatcher, changed, "register", {"category": other.pk})
    assert (fresh(kept).state, fresh(kept).category_id) == (State.REGISTERED, category.pk)
    assert (fresh(changed).state, fresh(changed).category_id) == (State.REGISTERED, other.pk)


def test_dispatch_follows_the_suggestion_or_needs_a_reason(actors, make_case, rule, department,
                                                         other_department):
    case = make_case(State.REGISTERED)
    resp = act(actors.dispatcher, case, "dispatch", {"department": department.pk})
    assert resp.status_code == 302
    assert fresh(case).unit_department_id == department.pk
    assert "西城区责任清单第3条" in fresh(case).routing_reason

    other = make_case(State.REGISTERED)
    events = CaseEvent.objects.count()
    resp = act(actors.dispatcher, other, "dispatch", {"department": other_department.pk})
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "派遣单位与责任清单建议的「西城区城管执法局」不同，请填写改派理由。" in page
    # The refused form is marked and keeps what was chosen.
    assert 'act-form act-failed" method="post"' in page
    assert f'<option value="{other_department.pk}" selected>' in page
    assert (fresh(other).state, CaseEvent.objects.count()) == (State.REGISTERED, events)

    act(actors.dispatcher, other, "dispatch", {"department": other_department.pk,
                                                 "reason": "该路段由房管局代管"})
    assert fresh(other).unit_department_id == other_department.pk
    assert fresh(other).routing_reason == "人工派遣：该路段由房管局代管"


def test_the_department_accepts_or_returns_with_a_reason(actors, make_case):
    taken, refused = make_case(State.DISPATCHED), make_case(State.DISPATCHED)
    assert act(actors.handler, taken, "accept").status_code == 302
    assert fresh(taken).state == State.HANDLING
    resp = act(actors.handler, refused, "return_case", {"reason": ""})
    assert resp.status_code == 400 and "请填写退单理由" in resp.content.decode()
    assert fresh(refused).state == State.DISPATCHED
    act(actors.handler, refused, "return_case", {"reason": "不属于本部门职责"})
    assert (fresh(refused).state, fresh(refused).return_count) == (State.RETURNED, 1)


def test_report_back_with_a_photo_then_verify_close_and_rate_by_callback(actors, make_case):
    case = make_case(State.HANDLING)
    photo = SimpleUploadedFile("修复后.png", png_bytes(), content_type="image/png")
    resp = act(actors.handler, case, "report_back", {"note": "已修补路面", "photos": photo})
    assert resp.status_code == 302
    assert list(Attachment.objects.filter(case=case).values_list("stage", flat=True)) == ["after"]

    check = SimpleUploadedFile("核查.png", png_bytes(), content_type="image/png")
    act(actors.grid_worker, case, "verify_pass", {"photos": check})
    assert fresh(case).state == State.VERIFIED
    act(actors.dispatcher, case, "close", {"note": "办结"})
    assert fresh(case).state == State.CLOSED
    page = act_and_follow(actors.dispatcher, case, "rate", {
        "rating": "basically_satisfied", "solved": "1", "source": "callback"})
    assert "已评价" in page and "处置后" in page
    assert (fresh(case).rating, fresh(case).solved) == ("basically_satisfied", True)
    # The page shows the photos of both stages; a second rating is a conflict.
    resp = act(actors.dispatcher, case, "rate", {"rating": "satisfied", "solved": "1"})
    assert resp.status_code == 409 and "每个案件只能评价一次" in resp.content.decode()
    assert fresh(case).rating == "basically_satisfied"


def test_verify_fail_sends_the_case_back_for_rework(actors, make_case):
    case = make_case(State.REPORTED_BACK)
    resp = act(actors.grid_worker, case, "verify_fail", {"note": ""})
    assert resp.status_code == 400 and fresh(case).state == State.REPORTED_BACK
    act(actors.grid_worker, case, "verify_fail", {"note": "坑仍未填平"})
    assert (fresh(case).state, fresh(case).rework_count) == (State.HANDLING, 1)


def test_extension_is_requested_by_the_unit_and_decided_by_the_commander(actors, make_case):
    case = make_case(State.HANDLING)
    act(actors.handler, case, "request_extension", {"amount": "2", "unit": "working_days",
                                                    "reason": "需协调施工队"})
    assert fresh(case).state == State.EXTENSION_REQUESTED
    # A street dispatcher may not decide; the commander may.
    resp = act(actors.dispatcher, case, "approve_extension")
    assert resp.status_code == 403 and "不能执行「批准延期」" in resp.content.decode()
    before = fresh(case).handle_deadline
    act(actors.commander, case, "approve_extension", {"note": "同意"})
    case = fresh(case)
    assert (case.state, case.extension_count) == (State.HANDLING, 1)
    assert case.handle_deadline > before
    assert Extension.objects.get(case=case).decision == "approved"


def test_supervise_an_overdue_case(actors, make_case):
    case = make_case(State.HANDLING, handle_deadline=ago(hours=3))
    resp = act(actors.commander, case, "supervise", {"note": ""})
    assert resp.status_code == 400 and fresh(case).supervise_count == 0
    act(actors.commander, case, "supervise", {"note": "请今日内办结"})
    assert fresh(case).supervise_count == 1


def test_merge_a_duplicate_into_the_open_case(actors, make_case):
    original, duplicate = make_case(State.REGISTERED), make_case(State.REPORTED)
    resp = act(actors.dispatcher, duplicate, "merge", {"into": "XC-NO-SUCH"})
    assert resp.status_code == 404 and "找不到案件XC-NO-SUCH" in resp.content.decode()
    assert fresh(duplicate).state == State.REPORTED
    resp = act(actors.dispatcher, duplicate, "merge", {"into": original.number,
                                                       "next": "/workbench/dispatch/"})
    assert resp["Location"] == "/workbench/dispatch/"
    assert (fresh(duplicate).state, fresh(duplicate).merged_into_id) == (State.MERGED,
                                                                         original.pk)
    assert original.reporters.count() == 2


# --- refusals never end in a 500 -----------------------------------------------------------------

def test_refusals_answer_with_a_message_and_the_right_status(actors, make_case):
    case = make_case(State.REPORTED)
    assert act(actors.dispatcher, case, "fly").status_code == 404
    assert get(actors.dispatcher, f"/cases/{case.number}/act/register/").status_code == 405
    resp = act(actors.dispatcher, case, "close")
    assert resp.status_code == 400 and "当前状态「待立案」不能执行「结案」" in resp.content.decode()
    resp = act(actors.handler, case, "register")
    assert resp.status_code == 404  # a department does not see a case before it is dispatched
    resp = act(actors.other_dispatcher, case, "register")
    assert resp.status_code == 404  # another street's case: as if it did not exist
    assert act(actors.auditor, case, "register").status_code == 403
    assert act(actors.resident, case, "register").status_code == 403
    anonymous = client().post(f"/cases/{case.number}/act/register/", secure=True)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert fresh(case).state == State.REPORTED and fresh(case).version == 0


def test_next_leads_only_to_our_own_pages(actors, make_case, category):
    case = make_case(State.REPORTED)
    resp = act(actors.dispatcher, case, "register", {"category": category.pk,
                                                     "next": "https://evil.example/"})
    assert resp["Location"] == f"/cases/{case.number}/"
