"""The Excel export: the workbook opens, explains itself (summary, rules) and has one row per
indicator, per aspect, per area and per approved figure with its source."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from civicgrid.indicators.export import plan_workbook
from civicgrid.indicators.models import Plan
from civicgrid.indicators.report import plan_report
from civicgrid.indicators.seeds import seeds_load

pytestmark = pytest.mark.django_db
FYP = "bj-13fyp-social-governance"


def test_workbook_of_the_seed_plan(db):
    seeds_load()
    plan = Plan.objects.get(code=FYP)
    report = plan_report(plan, as_of=dt.date(2018, 6, 30))
    wb = load_workbook(io.BytesIO(plan_workbook(report)))
    assert wb.sheetnames == ["汇总", "指标", "分方面", "分区域", "数据与出处"]
    summary = {row[0]: row[1] for row in wb["汇总"].iter_rows(values_only=True) if row[0]}
    assert summary["指标总数"] == 28 and summary["可评估"] == 1 and summary["滞后"] == 1
    assert summary["结论"] == report.sentence()
    assert "评估规则" in summary and "已完成" in summary
    rows = list(wb["指标"].iter_rows(values_only=True))
    assert rows[0][:3] == ("方面", "编码", "指标")
    assert len(rows) == 1 + 28
    coverage = next(r for r in rows if r[1] == "service-circle-coverage")
    assert (coverage[7], coverage[11], coverage[13]) == (89.0, 100.0, "滞后")
    aspects = list(wb["分方面"].iter_rows(values_only=True))
    assert [r[0] for r in aspects[1:7]] == ["社会服务", "社会管理", "社会动员", "社会环境",
                                            "社会关系", "社会领域党的建设"]
    assert list(wb["分区域"].iter_rows(values_only=True))[1][0] == "西城区（110102）"
    figures = list(wb["数据与出处"].iter_rows(values_only=True))
    # Only figures dated on or before the evaluation date, each with its seed sentence.
    assert all(r[3] <= dt.datetime(2018, 6, 30) for r in figures[1:])
    certified = next(r for r in figures if r[0] == "certified-social-workers")
    assert certified[4] == 26841 and "26841" in certified[7]


def test_export_command_writes_the_file(db, tmp_path):
    seeds_load()
    out = io.StringIO()
    path = tmp_path / "x.xlsx"
    call_command("indicators", "export", "--plan", "bj-2018-action-plan", "--as-of",
                 "2018-06-30", "--out", str(path), stdout=out)
    assert "19 项指标" in out.getvalue()
    wb = load_workbook(path)
    assert wb["指标"].max_row == 1 + 19
