"""The rankings as an Excel workbook: one sheet per unit kind (rank, movement, composite, and each
rate with its numerator and denominator beside it), a sheet of definitions (every metric, every
counter, how units and unrated cases count, how the composite is made) and the weights used.
Offices pass these files around, so the file must explain itself without the website."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .metrics import COUNTER_DEFINITIONS, METRICS, UNIT_RULE
from .ranking import EXTRAS, RankRow, composite_rule, kind_label, weights_for

BOLD = Font(bold=True)
UNRATED_LABELS = {"exclude": "不计入", "satisfied": "按满意、已解决计入",
                  "unsatisfied": "按不满意、未解决计入"}


def _metric_codes(unit_kind: str) -> tuple[list[str], list[str]]:
    return list(METRICS), [c for c, e in EXTRAS.items() if unit_kind in e.kinds]


def _sheet_title(label: str, used: set[str]) -> str:
    title = "".join(ch for ch in label if ch not in "[]:*?/\\")[:31] or "sheet"
    while title in used:
        title = title[:29] + "_" + str(len(used))
    used.add(title)
    return title


def _ranking_sheet(ws, unit_kind: str, rows: Sequence[RankRow]) -> None:
    metrics, extras = _metric_codes(unit_kind)
    head = [_("排名"), _("上期排名"), _("名次变化"), _("单位编码"), _("单位名称"), _("综合得分"),
            _("受理数")]
    for code in metrics:
        m = METRICS[code]
        head += [f"{m.label_zh}(%)", f"{m.label_zh}·{m.numerator}", f"{m.label_zh}·{m.denominator}"]
    for code in extras:
        e = EXTRAS[code]
        head += [f"{e.label_zh}" + ("" if code == "street_score" else "(%)"),
                 f"{e.label_zh}·{_('分子')}", f"{e.label_zh}·{_('分母')}"]
    ws.append([str(h) for h in head])
    for cell in ws[1]:
        cell.font = BOLD
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        line = [r.rank, r.previous_rank, r.movement_label, r.unit_code, r.unit_name,
                None if r.composite is None else round(r.composite, 2), r.received]
        for code in metrics:
            v = r.metrics.get(code)
            line += [None if v is None or v.rate is None else round(v.rate * 100, 2),
                     None if v is None else v.numerator, None if v is None else v.denominator]
        for code in extras:
            f = r.extras.get(code)
            if f is None:
                line += [None, None, None]
            elif code == "street_score":
                line += [f.numerator, None, f.denominator]
            else:
                line += [round(f.rate * 100, 2), f.numerator, f.denominator]
        ws.append(line)
    ws.freeze_panes = "F2"
    for i, width in enumerate([6, 8, 8, 16, 28, 10, 8], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def _definitions_sheet(ws, period: tuple[dt.date, dt.date], unrated: str) -> None:
    ws.append([_("统计周期"), f"{period[0]:%Y-%m-%d} — {period[1]:%Y-%m-%d}"])
    ws.append([_("计入规则"), str(UNIT_RULE)])
    ws.append([_("未评价案件"), _(UNRATED_LABELS.get(unrated, unrated))])
    ws.append([_("综合得分"), str(composite_rule())])
    ws.append([])
    ws.append([_("指标"), _("名称"), _("定义"), _("分子"), _("分母"), _("越高越好")])
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for code, m in METRICS.items():
        ws.append([code, str(m.label_zh), str(m.definition_zh), str(m.numerator),
                   str(m.denominator), _("是") if m.higher_is_better else _("否")])
    for code, e in EXTRAS.items():
        ws.append([code, str(e.label_zh), str(e.definition_zh), "", "",
                   _("是") if e.higher_is_better else _("否")])
    ws.append([])
    ws.append([_("计数"), _("定义")])
    ws[ws.max_row][0].font = BOLD
    for code, text in COUNTER_DEFINITIONS.items():
        ws.append([code, str(text)])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 90


def _weights_sheet(ws, kinds: Sequence[str]) -> None:
    ws.append([_("单位类型"), _("指标"), _("名称"), _("权重"), _("说明")])
    for cell in ws[1]:
        cell.font = BOLD
    labels = {**{c: m.label_zh for c, m in METRICS.items()},
              **{c: e.label_zh for c, e in EXTRAS.items()}}
    note = _("出厂权重为示例，不是官方数字；本市在管理后台“综合评分权重”中按考核办法修改")
    for kind in kinds:
        for code, w in sorted(weights_for(kind).items()):
            ws.append([str(kind_label(kind)), code, str(labels.get(code, code)), w, note])
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["E"].width = 40


def rankings_workbook(sections: Sequence[tuple[str, Sequence[RankRow]]], *,
                      period: tuple[dt.date, dt.date], unrated: str = "exclude") -> bytes:
    """An .xlsx of the rankings: `sections` = [(unit kind, rows)] in tab order."""
    wb = Workbook()
    used: set[str] = set()
    first = True
    for kind, rows in sections:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = _sheet_title(str(kind_label(kind)), used)
        _ranking_sheet(ws, kind, rows)
    if first:
        wb.active.title = _sheet_title(_("排名"), used)
    _definitions_sheet(wb.create_sheet(_sheet_title(_("指标定义"), used)), period, unrated)
    _weights_sheet(wb.create_sheet(_sheet_title(_("权重"), used)), [k for k, _r in sections])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
