"""The catalogue and the responsibility list in the admin (requests use secure=True: production
settings redirect plain HTTP)."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from civicgrid.dispatch.models import Category, Department, RoutingRule
from civicgrid.dispatch.routing import route
from tests.factories import CHAOYANG, STREET_W, XICHENG, Role, make_department, make_user


def _client(client, role, area=""):
    user = make_user(role, area)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


@pytest.fixture
def city(client, catalogue, territory):
    return _client(client, Role.CITY_ADMIN)


def get(client, name, *args, **query):
    return client.get(reverse(f"admin:dispatch_{name}", args=args), query, secure=True)


def test_catalogue_tree_search_and_filters(city):
    html = get(city, "category_changelist", q="井盖").content.decode()
    assert "上水井盖" in html and "燃气井盖" in html and "暴露垃圾" not in html
    html = get(city, "category_changelist", q="扰民").content.decode()  # keywords are searched
    assert "噪音扰民" in html and "施工扰民" in html
    html = get(city, "category_changelist", stream__exact="emergency_response").content.decode()
    assert "燃气泄漏" in html and "路灯" not in html
    html = get(city, "category_changelist", q="C01").content.decode()
    assert "└ 上水井盖" in html  # indented under 公用设施
    leaf = Category.objects.get(code="C0109")
    assert get(city, "category_change", leaf.pk).status_code == 200
    assert get(city, "category_add").status_code == 200


def test_district_admin_reads_the_catalogue_but_edits_only_own_rules(client, catalogue,
                                                                     territory):
    dept = make_department()
    RoutingRule.objects.create(category=None, area_code=CHAOYANG, target="street")
    mine = RoutingRule.objects.create(category=None, area_code=XICHENG, target="department",
                                      department=dept)
    c = _client(client, Role.DISTRICT_ADMIN, XICHENG)
    assert get(c, "category_changelist").status_code == 200
    assert get(c, "category_add").status_code == 403
    html = get(c, "routingrule_changelist").content.decode()
    assert f"/{mine.pk}/change/" in html and CHAOYANG not in html
    assert get(c, "routingrule_add").status_code == 200


def test_rule_form_checks_and_saves_through_the_service(city):
    dept = Department.objects.create(code="BJ-ZLS", name="北京市自来水集团有限责任公司")
    lid = Category.objects.get(code="C0101")
    url = reverse("admin:dispatch_routingrule_add")
    form = {"category": lid.pk, "area_code": XICHENG, "target": "department", "department": "",
            "priority": 0, "note": "先属主后属地", "active": "on"}
    bad = city.post(url, form, secure=True)
    assert bad.status_code == 200 and "必须选择部门" in bad.content.decode()
    assert not RoutingRule.objects.exists()
    good = city.post(url, {**form, "department": dept.pk}, secure=True)
    assert good.status_code == 302
    decision = route(category=lid, district_code=XICHENG, street_code=STREET_W)
    assert decision.department_id == dept.pk and "先属主后属地" in decision.reason_zh


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["分类编码", "名称", "上级编码", "业务板块", "类型", "关键词"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "catalogue.xlsx"
    return data


def test_admin_import_is_all_or_nothing_with_row_errors(city):
    url = reverse("admin:dispatch_category_import")
    before = Category.objects.count()
    bad = _xlsx([["Z1", "甲", "E", "城市管理", "事件", "甲甲"], ["Z2", "乙", "NOPE", "城市管理",
                                                                "事件", "乙乙"]])
    html = city.post(url, {"import_file": bad, "format": "0", "resource": "0"},
                     secure=True).content.decode()
    assert "上级编码“NOPE”不存在" in html and Category.objects.count() == before
    good = _xlsx([["Z1", "甲", "E", "城市管理", "事件", "甲甲"]])
    preview = city.post(url, {"import_file": good, "format": "0", "resource": "0"}, secure=True)
    html = preview.content.decode()
    assert Category.objects.count() == before  # the preview is a dry run
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    confirm = city.post(reverse("admin:dispatch_category_process_import"),
                        {k: fields[k] for k in ("import_file_name", "original_file_name",
                                                "format", "resource")}, secure=True)
    assert confirm.status_code == 302
    assert Category.objects.get(code="Z1").parent.code == "E"


def test_admin_export_is_the_catalogue_file(city):
    response = city.get(reverse("admin:dispatch_category_export"), secure=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["分类编码", "名称", "上级编码"]
    assert sheet.max_row == Category.objects.count() + 1


def _form(category, **changes):
    data = {f: getattr(category, f) for f in (
        "code", "name", "stream", "kind", "register_limit", "register_unit", "dispatch_limit",
        "dispatch_unit", "handle_limit", "handle_unit", "default_unit_kind", "keywords",
        "duplicate_radius_m", "duplicate_window_hours", "sort_order")}
    data["parent"] = category.parent_id or ""
    data["active"] = "on" if category.active else ""
    return {**data, **changes}


def test_category_form_edits_keywords_and_refuses_bad_units(city):
    from civicgrid.dispatch.classify import get_classifier

    lamp = Category.objects.get(code="C0109")
    url = reverse("admin:dispatch_category_change", args=[lamp.pk])
    bad = city.post(url, _form(lamp, handle_unit="fortnights"), secure=True)
    assert bad.status_code == 200 and Category.objects.get(pk=lamp.pk).handle_unit != "fortnights"
    ok = city.post(url, _form(lamp, keywords=lamp.keywords + " 灯柱歪斜"), secure=True)
    assert ok.status_code == 302
    assert get_classifier().suggest("门口灯柱歪斜")[0].code == "C0109"
    add = city.post(reverse("admin:dispatch_category_add"),
                    _form(lamp, code="C0199", name="智慧灯杆", keywords="智慧灯杆 多杆合一"),
                    secure=True)
    assert add.status_code == 302
    assert Category.objects.get(code="C0199").parent.code == "C01"
