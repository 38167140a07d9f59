"""A plan's evaluation as an Excel workbook: the summary with the rules, every indicator with
its status and figures, the per-aspect and per-area tables, and every approved figure with its
source. Offices pass these files around, so the file must explain itself without the website."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .models import Measurement
from .report import PlanReport
from .rules import STATUS_LABELS
from .rules_text import RULES_ZH

BOLD = Font(bold=True)


def _head(ws, names: list[str], widths: list[int]) -> None:
    ws.append([str(n) for n in names])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a coordinate: ws.cell() would create a row


def _num(value):
    return None if value is None else float(value)


def _pct(p):
    return None if p is None else float(p)


def _summary_sheet(ws, report: PlanReport) -> None:
    s = report.summary
    plan = report.plan
    rows = [
        (_("规划"), plan.name), (_("规划编码"), plan.code),
        (_("规划期"), f"{plan.period_start} — {plan.period_end}"),
        (_("评估日期"), report.as_of.isoformat()),
        (_("区域"), report.area_name),
        (_("指标总数"), s.total), (_("可评估"), s.evaluable),
        (_("已完成"), s.completed), (_("已完成占比(%)"), _pct(s.completed_pct)),
        (_("达到中期要求"), s.midterm), (_("达到中期要求占比(%)"), _pct(s.midterm_pct)),
        (_("滞后"), s.lagging), (_("滞后占比(%)"), _pct(s.lagging_pct)),
        (_("不具备评估条件"), s.not_evaluable),
        (_("结论"), report.sentence()),
    ]
    for label, value in rows:
        ws.append([str(label), value])
        ws.cell(row=ws.max_row, column=1).font = BOLD
    reported = report.reported()
    if reported:
        ws.append([])
        ws.append([_("原文报告的结果"), reported.get("text", "")])
        ws.cell(row=ws.max_row, column=1).font = BOLD
        ws.append([_("出处"), reported.get("seed", "")])
    if plan.notes:
        ws.append([_("说明"), plan.notes])
    ws.append([])
    ws.append([_("评估规则")])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    for title, text in RULES_ZH:
        ws.append([str(title), str(text)])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
    for row in ws.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _indicator_sheet(ws, report: PlanReport) -> None:
    _head(ws, [_("方面"), _("编码"), _("指标"), _("单位"), _("方向"), _("类型"), _("数据来源"),
               _("现值"), _("数据日期"), _("中期要求"), _("中期要求依据"), _("期末目标"),
               _("目标日期"), _("状态"), _("原因"), _("责任单位"), _("说明")],
          [14, 26, 36, 8, 10, 8, 14, 12, 12, 12, 12, 12, 12, 14, 36, 16, 50])
    for row in report.rows:
        ind, r = row.indicator, row.result
        ws.append([row.aspect_name, ind.code, ind.name, ind.unit, ind.get_direction_display(),
                   ind.get_kind_display(), ind.get_source_display(), _num(r.value),
                   r.value_date, _num(r.requirement), r.basis_label, _num(r.target),
                   r.target_date, str(STATUS_LABELS[r.status]), r.reason,
                   ind.responsible_unit, ind.notes])


def _groups_sheet(ws, groups, first: str) -> None:
    _head(ws, [first, _("指标数"), _("可评估"), _("已完成"), _("已完成占比(%)"), _("达到中期要求"),
               _("达到中期要求占比(%)"), _("滞后"), _("滞后占比(%)"), _("不具备评估条件")],
          [24, 8, 8, 8, 12, 12, 14, 8, 10, 14])
    for g in groups:
        s = g.summary
        ws.append([g.name if not g.code.isdigit() else f"{g.name}（{g.code}）", s.total,
                   s.evaluable, s.completed, _pct(s.completed_pct), s.midterm,
                   _pct(s.midterm_pct), s.lagging, _pct(s.lagging_pct), s.not_evaluable])


def _figures_sheet(ws, report: PlanReport) -> None:
    _head(ws, [_("指标编码"), _("指标"), _("区域编码"), _("数据日期"), _("数值"), _("来源"),
               _("引用种子文件"), _("引用原文"), _("说明"), _("证明材料链接")],
          [26, 36, 10, 12, 12, 10, 26, 60, 40, 30])
    rows = (Measurement.objects.filter(indicator__plan=report.plan, approved_value__isnull=False,
                                       approved_date__lte=report.as_of)
            .select_related("indicator")
            .order_by("indicator__sort_order", "area_code", "approved_date", "pk"))
    for m in rows:
        ws.append([m.indicator.code, m.indicator.name, m.area_code, m.approved_date,
                   float(m.approved_value), m.get_origin_display(), m.citation_seed,
                   m.citation_text, m.note, m.evidence_url])


def plan_workbook(report: PlanReport) -> bytes:
    wb = Workbook()
    _summary_sheet(wb.active, report)
    wb.active.title = str(_("汇总"))
    _indicator_sheet(wb.create_sheet(str(_("指标"))), report)
    _groups_sheet(wb.create_sheet(str(_("分方面"))), report.aspects, str(_("方面")))
    _groups_sheet(wb.create_sheet(str(_("分区域"))), report.areas, str(_("区域")))
    _figures_sheet(wb.create_sheet(str(_("数据与出处"))), report)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
