"""Every workflow step through the API, each by the role the workflow gives it: register →
dispatch → accept → report_back (with a photo, multipart) → verify → close → rate; and the
branches (reject, return, extension, supervise, suspend/resume, escalate, reopen, merge,
verify_fail)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from civicgrid.cases.models import Attachment
from civicgrid.cases.workflow import State
from tests.cases.test_attachments import png_bytes

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def act(client, number, action, body=None, **kw):
    r = client.post(f"{URL}{number}/actions/{action}", body or {}, **kw)
    assert r.status_code == 200, (action, r.content)
    return r.json()


def photo():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.png", png_bytes(), content_type="image/png")


def test_the_whole_path(api, actors, make_case, department):
    case = make_case(State.REPORTED, unit_department=None)
    number = case.number
    dispatcher, handler = api(actors.dispatcher), api(actors.handler)
    assert [a["action"] for a in dispatcher.get(f"{URL}{number}/actions").json()] == [
        "register", "reject", "merge"]
    assert act(dispatcher, number, "register", {"note": "属实"})["state"] == "registered"
    body = act(dispatcher, number, "dispatch", {"department": department.pk})
    assert body["state"] == "dispatched" and body["unit"]["department_id"] == department.pk
    assert act(handler, number, "accept")["state"] == "handling"
    # report_back with a photo: multipart/form-data
    body = act(handler, number, "report_back", {"note": "已修复", "photos": [photo()]},
               json=False)
    assert body["state"] == "reported_back"
    [att] = body["attachments"]
    assert att["stage"] == "after" and att["content_type"] == "image/png"
    assert att["url"].startswith("https://testserver/api/v1/cases/")
    r = handler.get(att["url"])
    assert r.status_code == 200 and b"".join(r.streaming_content) == png_bytes()
    assert att["id"] in body["events"][-1]["attachment_ids"]
    # another street's dispatcher may not fetch it
    assert api(actors.other_dispatcher).get(att["url"]).status_code == 404
    assert act(api(actors.grid_worker), number, "verify_pass")["state"] == "verified"
    assert act(dispatcher, number, "close", {"note": "结案"})["state"] == "closed"
    body = act(dispatcher, number, "rate", {"rating": "satisfied", "solved": True,
                                            "source": "callback"})
    assert body["rating"] == "satisfied" and body["solved"] is True
    assert [e["action"] for e in body["events"]] == [
        "register", "dispatch", "accept", "report_back", "verify_pass", "close", "rate"]
    assert Attachment.objects.filter(case=case).count() == 1


def test_rate_by_form_fields(api, actors, make_case):
    case = make_case(State.CLOSED)
    body = act(api(actors.dispatcher), case.number, "rate",
               {"rating": "unsatisfied", "solved": "false"}, json=False)
    assert body["rating"] == "unsatisfied" and body["solved"] is False


def test_branches(api, actors, make_case, department, other_department):
    dispatcher, handler = api(actors.dispatcher), api(actors.handler)
    commander = api(actors.commander)
    # reject
    assert act(dispatcher, make_case(State.REPORTED).number, "reject",
               {"reason": "重复来电"})["state"] == "rejected"
    # return, then dispatch elsewhere with an assisting department
    c = make_case(State.DISPATCHED)
    assert act(handler, c.number, "return_case", {"reason": "不属于本部门"})["state"] == "returned"
    body = act(dispatcher, c.number, "dispatch", {"department": other_department.pk,
                                                  "assisting": [department.pk]})
    assert body["state"] == "dispatched" and len(body["tasks"]) == 2
    assert act(handler, c.number, "assist_report", {"note": "已配合"})["state"] == "dispatched"
    # extension: request, approve; deny
    c = make_case(State.HANDLING)
    assert act(handler, c.number, "request_extension",
               {"amount": 2, "unit": "working_days", "reason": "等材料"})["state"] == \
        "extension_requested"
    body = act(commander, c.number, "approve_extension")
    assert body["state"] == "handling" and body["extensions"][0]["decision"] == "approved"
    act(handler, c.number, "request_extension", {"amount": 1, "reason": "再等等"})
    assert act(commander, c.number, "deny_extension", {"note": "不批"})["state"] == "handling"
    # supervise an overdue case, suspend and resume
    c = make_case(State.HANDLING, handle_deadline=timezone.now() - dt.timedelta(days=1))
    assert act(commander, c.number, "supervise", {"note": "请尽快"})["counts"]["supervise"] == 1
    review = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert act(commander, c.number, "suspend", {"review_date": review,
                                                "reason": "需立项"})["state"] == "suspended"
    assert act(commander, c.number, "resume")["state"] == "handling"
    # verify_fail sends it back for rework
    c = make_case(State.REPORTED_BACK)
    assert act(dispatcher, c.number, "verify_fail", {"note": "未修好"})["state"] == "handling"
    # escalate a registered case to the district
    c = make_case(State.REGISTERED)
    assert act(dispatcher, c.number, "escalate", {"reason": "跨街道"})["unit"]["area_code"] \
        == "110102"
    # reopen a closed case
    c = make_case(State.CLOSED)
    assert act(dispatcher, c.number, "reopen", {"reason": "居民反映仍未解决"})["state"] == \
        "registered"
    # merge a duplicate into another case
    dup, into = make_case(State.REPORTED), make_case(State.REGISTERED)
    body = act(dispatcher, dup.number, "merge", {"into": into.number, "force": True,
                                                 "reason": "同一问题"})
    assert body["state"] == "merged" and body["merged_into"] == into.number


def test_action_input_errors(api, actors, make_case):
    c = make_case(State.REPORTED)
    client = api(actors.dispatcher)
    for body in ({"unknown": 1}, {"rating": "great"},
                 {"photos": ["x"]}, {"amount": "many"}):
        r = client.post(f"{URL}{c.number}/actions/reject", body)
        assert r.status_code == 400, body
        assert set(r.json()) == {"code", "message", "details"}
    r = client.post(f"{URL}{c.number}/actions/reject", {})
    assert r.status_code == 400 and r.json()["code"] == "required"
    r = client.client.post(f"{URL}{c.number}/actions/reject", "[1]",
                           content_type="application/json", secure=True)
    assert r.status_code == 400 and r.json()["code"] == "bad_json"
    # a non-image photo
    from django.core.files.uploadedfile import SimpleUploadedFile

    h = make_case(State.HANDLING)
    r = api(actors.handler).post(
        f"{URL}{h.number}/actions/report_back",
        {"note": "好了", "photos": [SimpleUploadedFile("a.png", b"not an image")]}, json=False)
    assert r.status_code == 400 and r.json()["code"] == "bad_image"
    # a role the table does not allow
    r = api(actors.handler).post(f"{URL}{c.number}/actions/register", {})
    assert r.status_code in (403, 404)
