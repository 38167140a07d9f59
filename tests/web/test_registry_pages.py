"""The ledger pages: who may open them, what each role sees (scoped, masked), the export and
the import page that names every bad row and writes nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.accounts.models import Role
from civicgrid.registry.models import CommunityBody, Volunteer, Worker
from tests.factories import CHAOYANG, STREET_E, STREET_W, XICHENG, make_user

pytestmark = pytest.mark.django_db
W1, W2, E1, CY = f"{STREET_W}001", f"{STREET_W}002", f"{STREET_E}001", "110105001001"
ID = "11010519491231002X"


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def place(code):
    return {"district_code": code[:6], "street_code": code[:9], "community_code": code}


@pytest.fixture
def city(territory):
    for code, where in (("V-W1", W1), ("V-W2", W2), ("V-E1", E1), ("V-CY", CY)):
        Volunteer.objects.create(code=code, name=f"志愿者{code}", id_number=ID,
                                 phone="13800138000", **place(where))
    for c in (W1, W2, E1, CY):
        CommunityBody.objects.create(population=1000, **place(c))
    return {
        "city": make_user(Role.CITY_ADMIN),
        "district": make_user(Role.DISTRICT_ADMIN, XICHENG),
        "commander": make_user(Role.STREET_COMMANDER, STREET_W),
        "dispatcher": make_user(Role.STREET_DISPATCHER, STREET_W),
        "community": make_user(Role.COMMUNITY_STAFF, W1),
        "gridworker": make_user(Role.GRID_WORKER, f"{W1}001"),
        "auditor": make_user(Role.AUDITOR),
        "resident": make_user(Role.RESIDENT),
    }


INDEX = reverse("web:registry")
VOLUNTEERS = reverse("web:registry_list", args=["volunteers"])
EXPORT = reverse("web:registry_export", args=["volunteers"])
IMPORT = reverse("web:registry_import", args=["workers"])


@pytest.mark.parametrize("role", ["city", "district", "commander", "dispatcher", "community",
                                  "gridworker", "auditor"])
def test_staff_open_the_ledger_pages(city, role):
    c = client(city[role])
    for url in (INDEX, VOLUNTEERS, EXPORT):
        assert c.get(url, secure=True).status_code == 200, url
    html = c.get(INDEX, secure=True).content.decode()
    assert 'data-ledger="volunteers"' in html and 'data-indicator="volunteer_ratio"' in html
    assert 'href="/registry/"' in html  # the nav entry


@pytest.mark.parametrize("url", [INDEX, VOLUNTEERS, EXPORT, IMPORT])
def test_residents_are_refused_and_visitors_sent_to_log_in(city, url):
    assert client(city["resident"]).get(url, secure=True).status_code == 403
    anonymous = client().get(url, secure=True)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def rows_of(html: str) -> list[str]:
    return re.findall(r"<td data-label=\"志愿者编号\">([^<]+)</td>", html)


def test_lists_are_scoped_and_filtered_by_area(city):
    html = client(city["commander"]).get(VOLUNTEERS, secure=True).content.decode()
    assert rows_of(html) == ["V-W1", "V-W2"]
    html = client(city["district"]).get(VOLUNTEERS, {"area": STREET_E},
                                        secure=True).content.decode()
    assert rows_of(html) == ["V-E1"]
    # Asking for another area than one's own shows one's own, with a message.
    html = client(city["commander"]).get(VOLUNTEERS, {"area": CHAOYANG},
                                         secure=True).content.decode()
    assert rows_of(html) == ["V-W1", "V-W2"] and "只能查看您辖区内的台账" in html
    html = client(city["city"]).get(VOLUNTEERS, {"area": "12"}, secure=True).content.decode()
    assert "应为6位区县" in html
    assert client(city["city"]).get(reverse("web:registry_list", args=["nope"]),
                                    secure=True).status_code == 404


def test_personal_data_is_masked_for_roles_that_do_not_need_it(city):
    masked = client(city["dispatcher"]).get(VOLUNTEERS, secure=True).content.decode()
    assert "110***********002X" in masked and ID not in masked and "13800138000" not in masked
    assert "已部分遮挡" in masked
    full = client(city["commander"]).get(VOLUNTEERS, secure=True).content.decode()
    assert ID in full and "13800138000" in full
    data = client(city["dispatcher"]).get(EXPORT, secure=True).content
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["V-W1", "V-W2"] and all("*" in r[2] for r in rows[1:])


def test_index_counts_and_computed_indicators_in_scope(city):
    html = client(city["commander"]).get(INDEX, secure=True).content.decode()
    count = re.search(r'data-ledger="volunteers">.*?class="count">(\d+)<', html, re.S)
    assert count.group(1) == "2"
    ratio = re.search(r'data-indicator="volunteer_ratio">.*?class="value">([^<]+)<', html, re.S)
    assert ratio.group(1).strip() == "0.0010 比值"  # 2 volunteers / 2,000 residents


def upload(user, text: str, *, dry_run=False):
    data = io.BytesIO(text.encode("utf-8"))
    data.name = "workers.csv"
    form = {"file": data}
    if dry_run:
        form["dry_run"] = "1"
    return client(user).post(IMPORT, form, secure=True)


def test_import_page_names_every_bad_row_and_writes_nothing(city):
    assert client(city["commander"]).get(IMPORT, secure=True).status_code == 403
    page = client(city["district"]).get(IMPORT, secure=True).content.decode()
    assert "职业水平证书" in page  # the columns are listed
    bad = upload(city["district"], "编号,姓名,类别,社区编码\nW-1,张三,社会工作者,"
                                   f"{W1}\nW-2,李四,厨师,{W1}\nW-3,王五,社区工作者,{CY}\n")
    assert bad.status_code == 400
    html = bad.content.decode()
    assert re.findall(r'data-line="(\d+)"', html) == ["3", "4"]
    assert "厨师" in html and "不在您的管辖范围内" in html and "任何数据都没有写入" in html
    assert not Worker.objects.exists()


def test_import_page_dry_run_then_import(city):
    text = f"编号,姓名,类别,社区编码\nW-1,张三,社会工作者,{W1}\n"
    response = upload(city["district"], text, dry_run=True)
    assert response.status_code == 200 and "试运行" in response.content.decode()
    assert not Worker.objects.exists()
    response = upload(city["district"], text)
    assert "新增 1 条" in response.content.decode()
    assert Worker.objects.get().history.get().history_user == city["district"]


def test_import_page_refuses_files_it_cannot_read(city):
    data = io.BytesIO(b"\x00\x01 not a spreadsheet")
    data.name = "x.xlsx"
    response = client(city["district"]).post(IMPORT, {"file": data}, secure=True)
    assert response.status_code == 400 and "无法读取" in response.content.decode()
    response = client(city["district"]).post(IMPORT, {}, secure=True)
    assert response.status_code == 400 and "请选择" in response.content.decode()
