"""Reporters' contact data: full for those who call people back, masked for the others, and a
resident sees only their own report."""

from civicgrid.cases.models import Reporter
from civicgrid.cases.privacy import (
    mask_email,
    mask_name,
    mask_phone,
    reporter_view,
    reporters_view,
)
from civicgrid.cases.workflow import State


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("01068001234") == "010****1234"
    assert mask_phone("1234") == "**34"
    assert mask_phone("") == ""
    assert mask_name("张三丰") == "张**"
    assert mask_name("张三") == "张*"
    assert mask_name("张") == "*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_email("zhangsan@example.com") == "z***@example.com"
    assert mask_email("") == ""


def _case_with_two_reporters(make_case, actors):
    case = make_case(State.DISPATCHED)  # handled by actors.handler's department
    own = Reporter.objects.create(case=case, name="王五", phone="13900001111", user=actors.resident,
                                  channel="resident", reported_at=case.reported_at,
                                  is_primary=False)
    return case, case.reporters.get(is_primary=True), own


def test_department_handler_sees_masked_contact(make_case, actors):
    case, first, _own = _case_with_two_reporters(make_case, actors)
    view = reporter_view(first, actors.handler)
    assert (view.name, view.phone, view.masked) == ("张*", "138****8000", True)
    assert [v.phone for v in reporters_view(case, actors.handler)] == ["138****8000",
                                                                       "139****1111"]


def test_dispatcher_sees_contact_in_full(make_case, actors):
    case, first, _own = _case_with_two_reporters(make_case, actors)
    view = reporter_view(first, actors.dispatcher)
    assert (view.name, view.phone, view.masked) == ("张三", "13800138000", False)
    # ...but a dispatcher of another street does not.
    assert reporter_view(first, actors.other_dispatcher).phone == "138****8000"


def test_resident_sees_only_their_own_report(make_case, actors):
    case, first, own = _case_with_two_reporters(make_case, actors)
    views = reporters_view(case, actors.resident)
    assert [(v.id, v.phone, v.masked) for v in views] == [(own.pk, "13900001111", False)]
    assert reporters_view(case, actors.stranger) == []
    assert reporter_view(first, actors.resident).phone == "138****8000"
    assert reporter_view(first, None).name == "张*"


def _staff(user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_admin_is_read_only_and_masks_contact_by_policy(client, make_case, actors):
    case, _first, _own = _case_with_two_reporters(make_case, actors)
    url = f"/admin/cases/case/{case.pk}/change/"
    client.force_login(_staff(actors.handler))
    page = client.get(url, secure=True).content.decode()
    assert "138****8000" in page and "13800138000" not in page
    assert 'name="_save"' not in page  # nothing to save: cases change through the services
    assert client.post(url, {"state": "closed"}, secure=True).status_code == 403
    client.force_login(_staff(actors.dispatcher))
    assert "13800138000" in client.get(url, secure=True).content.decode()
    listing = client.get("/admin/cases/case/", {"q": case.number}, secure=True).content.decode()
    assert case.number in listing
    assert client.get("/admin/cases/case/add/", secure=True).status_code == 403
    client.force_login(_staff(actors.other_dispatcher))  # another street: not even visible
    assert client.get(url, secure=True).status_code in (302, 403, 404)
    client.force_login(_staff(actors.superuser))
    page = client.get(url, secure=True).content.decode()
    assert "13800138000" in page and 'name="_save"' not in page
