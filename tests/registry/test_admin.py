"""The ledgers in the admin: scoped lists, forms checked like imported rows and saved with
history, masked personal data, Excel import all-or-nothing with the bad rows named."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from civicgrid.registry.demo import ensure_demo_ledgers
from civicgrid.registry.ledgers import LEDGERS
from civicgrid.registry.models import Volunteer, Worker, WorkerKind
from tests.factories import STREET_E, XICHENG, Role, make_user

from .conftest import CY, E1, W1, W2, place

pytestmark = pytest.mark.django_db
ID = "11010519491231002X"


def staff(role, area="") -> Client:
    user = make_user(role, area)
    user.is_staff = True
    user.save()
    c = Client()
    c.force_login(user)
    c.user = user
    return c


@pytest.fixture
def volunteers(territory):
    for code, where in (("V-W1", W1), ("V-W2", W2), ("V-E1", E1), ("V-CY", CY)):
        Volunteer.objects.create(code=code, name=f"志愿者{code}", id_number=ID,
                                 phone="13800138000", **place(where))


def url(name, *args):
    return reverse(f"admin:registry_{name}", args=args)


def form(v: Volunteer, **changes) -> dict:
    data = {f: "" if getattr(v, f) is None else getattr(v, f) for f in (
        "code", "name", "id_number", "phone", "organisation", "service_hours", "district_code",
        "street_code", "community_code", "valid_from", "valid_to", "note")}
    return {**data, **changes}


def test_lists_are_scoped(volunteers):
    commander = staff(Role.STREET_COMMANDER, STREET_E)
    html = commander.get(url("volunteer_changelist"), secure=True).content.decode()
    assert "V-E1" in html and "V-W1" not in html and "V-CY" not in html
    assert commander.get(url("volunteer_change", Volunteer.objects.get(code="V-W1").pk),
                         secure=True).status_code in (302, 403, 404)


def test_a_form_is_checked_like_an_imported_row_and_saved_with_history(volunteers):
    community = staff(Role.COMMUNITY_STAFF, W1)
    v = Volunteer.objects.get(code="V-W1")
    change = url("volunteer_change", v.pk)
    bad = community.post(change, form(v, community_code=W2), secure=True)  # out of scope
    assert bad.status_code == 200 and "不在您的管辖范围内" in bad.content.decode()
    bad = community.post(change, form(v, id_number="110105194912310021"), secure=True)
    assert bad.status_code == 200 and "校验位" in bad.content.decode()
    assert Volunteer.objects.get(pk=v.pk).community_code == W1
    good = community.post(change, form(v, name="新名字", district_code="", street_code=""),
                          secure=True)
    assert good.status_code == 302
    v.refresh_from_db()
    assert (v.name, v.street_code, v.district_code) == ("新名字", W1[:9], W1[:6])
    latest = v.history.first()
    assert latest.history_type == "~" and latest.history_user == community.user
    assert latest.prev_record.name == "志愿者V-W1"


def test_personal_data_is_masked_in_the_admin_for_roles_that_do_not_need_it(volunteers):
    dispatcher = staff(Role.STREET_DISPATCHER, W1[:9])
    v = Volunteer.objects.get(code="V-W1")
    for page in (url("volunteer_changelist"), url("volunteer_change", v.pk)):
        html = dispatcher.get(page, secure=True).content.decode()
        assert "110***********002X" in html and ID not in html and "13800138000" not in html
    assert dispatcher.get(url("volunteer_history", v.pk), secure=True).status_code == 403
    commander = staff(Role.STREET_COMMANDER, W1[:9])
    assert ID in commander.get(url("volunteer_change", v.pk), secure=True).content.decode()
    assert commander.get(url("volunteer_history", v.pk), secure=True).status_code == 200


def test_training_records_are_edited_inline_by_those_who_may_edit(territory):
    w = Worker.objects.create(code="W-1", name="张三", kind=WorkerKind.SOCIAL_WORKER, **place(W1))
    community = staff(Role.COMMUNITY_STAFF, W1)
    html = community.get(url("worker_change", w.pk), secure=True).content.decode()
    assert 'name="trainings-__prefix__-course"' in html  # may add training records
    dispatcher = staff(Role.STREET_DISPATCHER, W1[:9])
    html = dispatcher.get(url("worker_change", w.pk), secure=True).content.decode()
    assert 'name="trainings-TOTAL_FORMS"' in html  # shown...
    assert 'name="trainings-__prefix__-course"' not in html  # ...read-only for a dispatcher


def xlsx(header, rows, name="v.xlsx"):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = name
    return data


def test_admin_import_is_all_or_nothing_with_row_errors(volunteers):
    commander = staff(Role.STREET_COMMANDER, W1[:9])
    assert commander.get(url("volunteer_import"), secure=True).status_code == 403
    admin = staff(Role.DISTRICT_ADMIN, W1[:6])
    header = ["志愿者编号", "姓名", "社区编码"]
    bad = xlsx(header, [["V-9", "新人", W2], ["V-10", "别区", CY], ["V-11", "", W1]])
    html = admin.post(url("volunteer_import"), {"import_file": bad, "format": "0",
                                                "resource": "0"}, secure=True).content.decode()
    assert "不在您的管辖范围内" in html and "缺少必填项" in html
    assert not Volunteer.objects.filter(code="V-9").exists()
    good = xlsx(header, [["V-9", "新人", W2]])
    preview = admin.post(url("volunteer_import"), {"import_file": good, "format": "0",
                                                   "resource": "0"}, secure=True)
    assert not Volunteer.objects.filter(code="V-9").exists()  # the preview is a dry run
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', preview.content.decode()))
    confirm = admin.post(url("volunteer_process_import"),
                         {k: fields[k] for k in ("import_file_name", "original_file_name",
                                                 "format", "resource")}, secure=True)
    assert confirm.status_code == 302
    made = Volunteer.objects.get(code="V-9")
    assert made.history.get().history_user == admin.user


def test_admin_export_is_the_ledger_file_masked_as_the_actor_sees_it(volunteers):
    dispatcher = staff(Role.STREET_DISPATCHER, W1[:9])
    assert dispatcher.get(url("volunteer_export"), secure=True).status_code == 200
    response = dispatcher.get(url("volunteer_export"), secure=True)
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("志愿者编号", "姓名", "身份证号")
    assert {r[0] for r in rows[1:]} == {"V-W1", "V-W2"}
    assert all("*" in r[2] for r in rows[1:])


@pytest.mark.parametrize("name", list(LEDGERS))
def test_every_ledger_admin_page_renders(territory, name):
    ensure_demo_ledgers(XICHENG)
    model = LEDGERS[name].model._meta.model_name
    row = LEDGERS[name].model.objects.order_by("pk").first()
    admin = staff(Role.DISTRICT_ADMIN, XICHENG)
    for page in (url(f"{model}_changelist"), url(f"{model}_add"),
                 url(f"{model}_change", row.pk), url(f"{model}_history", row.pk),
                 url(f"{model}_import")):
        assert admin.get(page, secure=True).status_code == 200, page
    html = admin.get(url(f"{model}_changelist"), {"q": row.name if hasattr(row, "name")
                                                   else row.community_code},
                     secure=True).content.decode()
    assert str(row.pk) in html
