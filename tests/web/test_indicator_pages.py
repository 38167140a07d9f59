"""目标+指标 pages: who may open them (every staff role; residents get 403, visitors the login
page), what they show (the seed-form summary, the tables, the rules in Chinese, the chart data,
only vendored scripts), entry / review / correction through the forms, the printable report, the
Excel export and the admins' recompute button."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.accounts.models import Role
from civicgrid.indicators.models import Measurement, Status
from civicgrid.indicators.seeds import seeds_load
from civicgrid.web import views_indicators
from tests.cases import conftest as case_fixtures
from tests.factories import STREET_E, STREET_W, make_user
from tests.indicators.conftest import PDF

actors = case_fixtures.actors
department = case_fixtures.department
other_department = case_fixtures.other_department
pytestmark = pytest.mark.django_db
FYP = "bj-13fyp-social-governance"
COVERAGE = "service-circle-coverage"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seeded(territory):
    seeds_load()


def page_samples(actors) -> dict:
    """URL arguments for tests/web/test_page_access.py: the seed plan, an indicator, a figure."""
    seeds_load()
    figure = Measurement.objects.filter(indicator__plan__code=FYP,
                                        indicator__code=COVERAGE).first()
    return {"plan_code": FYP, "indicator_code": COVERAGE, "measurement_pk": figure.pk}


def client(user=None) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def get(user, url, status=200):
    resp = client(user).get(url, secure=True)
    assert resp.status_code == status, (url, resp.status_code)
    return resp


def html(resp) -> str:
    return resp.content.decode()


def urls() -> list[str]:
    return [reverse("web:indicators"),
            reverse("web:indicator_plan", args=[FYP]) + "?as_of=2018-06-30",
            reverse("web:indicator_print", args=[FYP]) + "?as_of=2018-06-30",
            reverse("web:indicator_detail", args=[FYP, COVERAGE]) + "?as_of=2018-06-30"]


def test_every_indicator_view_declares_the_view_action():
    views = [views_indicators.plan_list, views_indicators.plan_page,
             views_indicators.plan_print, views_indicators.plan_export,
             views_indicators.plan_recompute, views_indicators.indicator_page_view,
             views_indicators.measurement_new, views_indicators.measurement_action,
             views_indicators.measurement_evidence]
    assert {getattr(v, "page_action", "missing") for v in views} == {"indicator.view"}


def test_staff_open_the_pages(seeded, actors):
    for user in (actors.commander, actors.dispatcher, actors.community, actors.grid_worker,
                 actors.handler, actors.district, actors.city, actors.auditor):
        for url in urls():
            get(user, url)


def test_residents_get_403_and_visitors_the_login_page(seeded, actors):
    for url in urls() + [reverse("web:indicator_export", args=[FYP])]:
        resp = get(actors.resident, url, status=403)
        assert "目标与指标页面只对工作人员开放" in html(resp)
        resp = get(None, url, status=302)
        assert resp["Location"].startswith(reverse("login"))


def test_plan_page_shows_the_summary_tables_and_rules(seeded, actors):
    page = html(get(actors.district, urls()[1]))
    assert "截至2018年6月30日，6方面28项指标，除27项不具备评估条件外" in page
    assert "对照：原文（003_ed4e25bbbc37bca1.txt）报告截至 2018-06-30 共 28 项指标" in page
    for text in ("分方面", "分区域", "西城区", "社会领域党的建设", "评估规则", "按线性进度",
                 "连续5年累计指标，中期不评估", "种子文件未给出目标值"):
        assert text in page, text
    assert 'class="status status-lagging"' in page
    # Only scripts served by this site (no CDN).
    for src in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page):
        assert src.startswith("/"), src


def test_bad_date_falls_back_with_a_message(seeded, actors):
    page = html(get(actors.city, reverse("web:indicator_plan", args=[FYP]) + "?as_of=2018-13-45"))
    assert "评估日期“2018-13-45”格式不正确" in page


def test_unknown_plan_or_indicator_is_404(seeded, actors):
    get(actors.city, reverse("web:indicator_plan", args=["nope"]), status=404)
    get(actors.city, reverse("web:indicator_detail", args=[FYP, "nope"]), status=404)


def test_area_view_of_a_plan(seeded, actors):
    page = html(get(actors.city, reverse("web:indicator_plan", args=[FYP])
                    + "?as_of=2018-09-30&area=110102"))
    assert "截至2018年9月30日，西城区的" in page


def test_indicator_page_has_chart_data_targets_and_citations(seeded, actors):
    page = html(get(actors.commander, urls()[3]))
    assert 'id="indicator-chart-data"' in page
    assert "/static/vendor/echarts/echarts.min.js" in page
    assert "可覆盖到83%的城市社区" in page  # the baseline's sentence
    assert "实现城市社区全覆盖" in page  # the target's sentence
    assert "填报数据" in page  # a street commander may enter figures
    assert "填报数据" not in html(get(actors.auditor, urls()[3]))


def test_enter_review_and_correct_through_the_pages(seeded, actors):
    measure = reverse("web:indicator_measure", args=[FYP, COVERAGE])
    form = {"area_code": STREET_W, "date": "2018-06-30", "value": "91", "note": "街道自查",
            "evidence": SimpleUploadedFile("统计表.pdf", PDF, content_type="application/pdf")}
    resp = client(actors.commander).post(measure, form, secure=True)
    assert resp.status_code == 302
    m = Measurement.objects.get(area_code=STREET_W)
    assert m.status == Status.SUBMITTED
    # Another street's figures are refused with the reason, nothing written.
    form["area_code"] = STREET_E
    form["evidence"] = SimpleUploadedFile("b.pdf", PDF)
    resp = client(actors.commander).post(measure, form, secure=True)
    assert resp.status_code == 403 and "只能填报本辖区的数据" in html(resp)
    assert Measurement.objects.filter(area_code=STREET_E).count() == 0
    # The evidence is served only to those who may see the figure.
    evidence = reverse("web:indicator_evidence", args=[m.pk])
    assert b"".join(get(actors.district, evidence).streaming_content) == PDF
    other = make_user(Role.STREET_COMMANDER, STREET_E, username="commander_e")
    get(other, evidence, status=404)
    # The commander cannot approve; the district admin can.
    approve = reverse("web:indicator_measurement_action", args=[m.pk, "approve"])
    resp = client(actors.commander).post(approve, {}, secure=True)
    assert resp.status_code == 403
    assert client(actors.district).post(approve, {"note": "核实"}, secure=True).status_code == 302
    m.refresh_from_db()
    assert (m.status, m.approved_value) == (Status.APPROVED, 91)
    correct = reverse("web:indicator_measurement_action", args=[m.pk, "correct"])
    resp = client(actors.commander).post(correct, {"value": "92", "reason": ""}, secure=True)
    assert resp.status_code == 400 and "更正须写明原因" in html(resp)
    resp = client(actors.commander).post(correct, {"value": "92", "reason": "复核"}, secure=True)
    assert resp.status_code == 302
    m.refresh_from_db()
    assert (m.status, m.value, m.approved_value) == (Status.SUBMITTED, 92, 91)
    page = html(get(actors.district, urls()[3]))
    assert "修改记录 3 条" in page and "更正：复核" in page
    reject = reverse("web:indicator_measurement_action", args=[m.pk, "reject"])
    assert client(actors.district).post(reject, {"reason": "无依据"}, secure=True).status_code == 302
    m.refresh_from_db()
    assert (m.status, m.approved_value) == (Status.REJECTED, 91)


def test_bad_entry_is_a_400_with_the_message(seeded, actors):
    measure = reverse("web:indicator_measure", args=[FYP, COVERAGE])
    resp = client(actors.city).post(measure, {"area_code": "", "date": "2018-06-30",
                                              "value": "abc"}, secure=True)
    assert resp.status_code == 400 and "不是数字" in html(resp)
    assert client(actors.resident).post(measure, {}, secure=True).status_code == 403
    # GET shows the indicator page with the entry form.
    assert "填报数据" in html(get(actors.city, measure))


def test_print_page_and_export(seeded, actors):
    page = html(get(actors.auditor, urls()[2]))
    assert "指标评估报告" in page and "@media print" not in page  # the CSS is a file
    assert "/static/web/indicators.css" in page
    resp = get(actors.auditor, reverse("web:indicator_export", args=[FYP]) + "?as_of=2018-06-30")
    assert resp["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb["指标"].max_row == 1 + 28


def test_recompute_button_is_for_admins(seeded, actors):
    url = reverse("web:indicator_recompute", args=["bj-demo-ledgers"])
    assert client(actors.commander).post(url, secure=True).status_code == 403
    resp = client(actors.city).post(url, secure=True)
    assert resp.status_code == 302
    assert "重新计算台账指标" in html(get(actors.city, reverse("web:indicator_plan",
                                                            args=["bj-demo-ledgers"])))
