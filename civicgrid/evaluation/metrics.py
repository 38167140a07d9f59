"""The evaluation metrics (三率 and the others): definitions, and their values per unit and period
from the rollup rows (never the case table).

Every metric is numerator / denominator over the cases REPORTED in the period, by their current
outcome (docs/decisions.md); the counts are always shown beside the rate, and a rate whose
denominator is 0 is None ("—" on the pages), not 0 %. The counters are defined in flags.py and,
in Chinese for the pages, in COUNTER_DEFINITIONS below.

Conventions chosen (the 12345 practice; a city changes them in settings, not in code):
- 解决率 = 已解决 / 已评价: "solved" is the reporter's own answer at the rating or the follow-up
  call, so the base is the cases that were asked — the rated ones.
- 满意率 = (满意 + 基本满意 × w) / 已评价 with w = settings.CIVICGRID["EVALUATION"]
  ["BASICALLY_SATISFIED_WEIGHT"], default 1 (满意 and 基本满意 both count as satisfied, as the
  published 12345 satisfaction rates do; some cities weigh 基本满意 at 0.8).
- Closed cases without a rating (未评价 = 结案 − 已评价), settings ...["UNRATED"] or the
  `unrated` argument: "exclude" (default: they are in neither numerator nor denominator),
  "satisfied" (each counts as satisfied and solved; the base becomes 结案数) or "unsatisfied"
  (each counts as unsatisfied and unsolved; the base becomes 结案数). It affects the
  satisfaction and the resolution rate only.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import InvalidInput

from .models import COUNTERS, CaseRollup, UnitDayRollup, UnitKind

UNRATED_POLICIES = ("exclude", "satisfied", "unsatisfied")
PERIODS = ("day", "month", "quarter", "year", "custom")

COUNTER_DEFINITIONS = {
    "received": _("受理数：本期上报的全部案件；被合并的重复案件不计（计入其合并到的案件，算一件）。"),
    "rejected": _("不予立案数：状态为不予立案的案件。"),
    "dispatched": _("派遣数：至少派遣过一次的案件。"),
    "responded": _("已响应数：当前承办单位已签收的案件（签收时间不早于最近一次派遣）；退单、上报上级或重新办理后"
                   "再派遣的案件，须新的承办单位签收后才再计为已响应。"),
    "responded_on_time": _("按时响应数：已响应，且签收在派遣后的响应时限内（默认 2 个工作时，按工作日历计算，"
                           "可在设置 RESPONSE_LIMIT 中修改）。"),
    "reported_back": _("已反馈数：承办单位至少反馈过一次的案件（核查不通过返工、重新办理的案件也已反馈过）。"),
    "closed": _("结案数：当前状态为已结案的案件；重新办理的案件在再次结案前不计。"),
    "closed_on_time": _("按期结案数：已结案，且承办单位的反馈不晚于处置时限（衡量承办单位是否按时办完；核查、结案是"
                        "街道的环节）；没有处置时限的案件视为按期。"),
    "solved": _("已解决数：评价时报告人认为问题已解决的案件。"),
    "rated": _("已评价数：有评价的案件；重新办理会清除原评价，再次结案并评价后才重新计入。"),
    "satisfied": _("满意数：评价为满意的案件。"),
    "basically_satisfied": _("基本满意数：评价为基本满意的案件。"),
    "unsatisfied": _("不满意数：评价为不满意的案件。"),
    "reworked": _("返工案件数：核查不通过、返工过至少一次的案件。"),
    "extended": _("延期案件数：至少批准过一次延期的案件。"),
    "returned": _("退单案件数：至少被退单过一次的案件。"),
    "reopened": _("重办案件数：结案后至少重新办理过一次的案件。"),
    "supervised": _("督办案件数：至少被督办过一次的案件。"),
}

UNIT_RULE = _("案件按上报日期计入所在区县、街道、社区、网格，以及当前承办部门（协同办理的案件只计入主办部门，"
              "协办部门不计；被退单的案件计入重新派遣到的部门）。")


@dataclass(frozen=True)
class Metric:
    code: str
    label_zh: str
    definition_zh: str
    numerator: str  # Chinese, as the pages show it
    denominator: str
    higher_is_better: bool = True


@dataclass(frozen=True)
class MetricValue:
    """rate in 0..1 (None when the denominator is 0), with the counts it comes from."""

    rate: float | None
    numerator: float
    denominator: float

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


def _m(code, label, definition, numerator, denominator, higher=True) -> tuple[str, Metric]:
    return code, Metric(code, label, definition, numerator, denominator, higher)


METRICS: dict[str, Metric] = dict([
    _m("response_rate", _("响应率"),
       _("按时响应的案件占派遣案件的比例：承办单位在派遣后的响应时限内签收（联系诉求人）。"),
       _("按时响应数"), _("派遣数")),
    _m("resolution_rate", _("解决率"),
       _("评价时报告人认为问题已解决的案件占已评价案件的比例。未评价的已结案案件默认不计入；也可设为按已解决"
         "或按未解决计入，此时分母为结案数。"),
       _("已解决数"), _("已评价数")),
    _m("satisfaction_rate", _("满意率"),
       _("（满意数 + 基本满意数 × 权重）占已评价案件的比例，基本满意的权重默认为 1（满意与基本满意均计为满意）。"
         "未评价的已结案案件默认不计入；也可设为按满意或按不满意计入，此时分母为结案数。"),
       _("满意数 + 基本满意数 × 权重"), _("已评价数")),
    _m("closure_rate", _("结案率"),
       _("已结案案件占应办案件（受理数 − 不予立案数）的比例。"),
       _("结案数"), _("受理数 − 不予立案数")),
    _m("on_time_closure_rate", _("按期结案率"),
       _("按期结案的案件占已结案案件的比例：承办单位在处置时限内反馈办结。"),
       _("按期结案数"), _("结案数")),
    _m("rework_rate", _("返工率"),
       _("返工过的案件占已反馈案件的比例（核查不通过即返工）。"),
       _("返工案件数"), _("已反馈数"), higher=False),
    _m("extension_rate", _("延期率"),
       _("批准过延期的案件占派遣案件的比例。"),
       _("延期案件数"), _("派遣数"), higher=False),
    _m("return_rate", _("退单率"),
       _("被退单过的案件占派遣案件的比例。"),
       _("退单案件数"), _("派遣数"), higher=False),
])


def _conf() -> dict:
    return getattr(settings, "CIVICGRID", {}).get("EVALUATION", {}) or {}


def unrated_policy(value: str | None = None) -> str:
    value = value or _conf().get("UNRATED", "exclude")
    if value not in UNRATED_POLICIES:
        raise InvalidInput(_g("未评价案件的计入方式只能是：不计入、按满意计入或按不满意计入。"),
                           code="unrated")
    return value


def basic_weight(value: float | None = None) -> float:
    value = float(_conf().get("BASICALLY_SATISFIED_WEIGHT", 1.0) if value is None else value)
    if not 0 <= value <= 1:
        raise InvalidInput(_g("基本满意的权重须在 0 到 1 之间。"), code="weight")
    return value


def _value(numerator, denominator) -> MetricValue:
    return MetricValue(numerator / denominator if denominator else None, numerator, denominator)


def metric_values(counts: dict[str, int], *, unrated: str | None = None,
                  weight: float | None = None) -> dict[str, MetricValue]:
    """Every metric from one unit's summed counters."""
    c = {name: counts.get(name) or 0 for name in COUNTERS}
    policy, w = unrated_policy(unrated), basic_weight(weight)
    unrated_n = max(c["closed"] - c["rated"], 0)
    pleased = c["satisfied"] + c["basically_satisfied"] * w
    if w == int(w):
        pleased = int(pleased)
    solved, base = c["solved"], c["rated"]
    if policy != "exclude":
        base += unrated_n
        if policy == "satisfied":
            pleased += unrated_n
            solved += unrated_n
    return {
        "response_rate": _value(c["responded_on_time"], c["dispatched"]),
        "resolution_rate": _value(solved, base),
        "satisfaction_rate": _value(pleased, base),
        "closure_rate": _value(c["closed"], c["received"] - c["rejected"]),
        "on_time_closure_rate": _value(c["closed_on_time"], c["closed"]),
        "rework_rate": _value(c["reworked"], c["reported_back"]),
        "extension_rate": _value(c["extended"], c["dispatched"]),
        "return_rate": _value(c["returned"], c["dispatched"]),
    }


# --- periods ---------------------------------------------------------------------------------

def period_bounds(period: str, anchor: dt.date | None = None, *, start: dt.date | None = None,
                  end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """(first day, last day), both included, of the day / month / quarter / year holding
    `anchor`, or the custom span start..end. The previous period is
    period_bounds(period, first_day - 1 day)."""
    if period == "custom":
        if start is None or end is None:
            raise InvalidInput(_g("自定义时段请填写开始日期和结束日期。"), code="period")
        if start > end:
            raise InvalidInput(_g("开始日期不能晚于结束日期。"), code="period")
        return start, end
    if anchor is None:
        raise InvalidInput(_g("请选择日期。"), code="period")
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()
    if period == "day":
        return anchor, anchor
    if period == "month":
        first_month = last_month = anchor.month
    elif period == "quarter":
        first_month = (anchor.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
    elif period == "year":
        first_month, last_month = 1, 12
    else:
        raise InvalidInput(_g("统计周期只能是日、月、季度、年或自定义。"), code="period")
    last_day = calendar.monthrange(anchor.year, last_month)[1]
    return dt.date(anchor.year, first_month, 1), dt.date(anchor.year, last_month, last_day)


# --- values per unit -------------------------------------------------------------------------

def unit_counts(*, unit_kind: str, start: dt.date, end: dt.date,
                units: Iterable[str] | None = None,
                category_ids: Iterable[int] | None = None) -> dict[str, dict[str, int]]:
    """{unit_code: {counter: sum}} over the rollup rows of the cases reported start..end (both
    included): one GROUP BY query, over UnitDayRollup (unit × day, ~15× fewer rows) without a
    category filter, else over CaseRollup. Units asked for but without cases get zeros."""
    if unit_kind not in UnitKind.values:
        raise InvalidInput(_g("单位类型无效。"), code="unit_kind")
    model = UnitDayRollup if category_ids is None else CaseRollup
    rows = model.objects.filter(unit_kind=unit_kind, day__gte=start, day__lte=end)
    wanted = None
    if units is not None:
        wanted = [str(u) for u in units]
        rows = rows.filter(unit_code__in=wanted)
    if category_ids is not None:
        rows = rows.filter(category_id__in=[int(c) for c in category_ids])
    sums = rows.order_by().values("unit_code").annotate(**{f"s_{n}": Sum(n) for n in COUNTERS})
    out = {r["unit_code"]: {n: r[f"s_{n}"] or 0 for n in COUNTERS} for r in sums}
    for code in wanted or ():
        out.setdefault(code, dict.fromkeys(COUNTERS, 0))
    return out


def unit_metrics(*, unit_kind: str, start: dt.date, end: dt.date,
                 units: Iterable[str] | None = None, category_ids: Iterable[int] | None = None,
                 unrated: str | None = None, weight: float | None = None
                 ) -> dict[str, dict[str, MetricValue]]:
    """{unit_code: {metric code: MetricValue}} for the cases reported start..end (both
    included) in each unit of `unit_kind` (department units: str(department id))."""
    policy, w = unrated_policy(unrated), basic_weight(weight)
    counts = unit_counts(unit_kind=unit_kind, start=start, end=end, units=units,
                         category_ids=category_ids)
    return {code: metric_values(c, unrated=policy, weight=w) for code, c in counts.items()}


def worker_metrics(*, start: dt.date, end: dt.date, workers: Iterable[int] | None = None,
                   category_ids: Iterable[int] | None = None, unrated: str | None = None,
                   weight: float | None = None) -> dict[int, dict[str, MetricValue]]:
    """{grid worker id: metrics}: a basic-force grid worker (一员一格) is evaluated by the cases
    of the grid they are assigned to (several grids: summed). Specialist and response forces
    serve many grids and are not evaluated this way."""
    from civicgrid.territory.models import Force, GridAssignment

    policy, w = unrated_policy(unrated), basic_weight(weight)
    links = GridAssignment.objects.filter(worker__force=Force.BASIC, worker__active=True)
    if workers is not None:
        links = links.filter(worker_id__in=list(workers))
    grids_of: dict[int, list[str]] = {}
    for worker_id, grid in links.values_list("worker_id", "grid_id"):
        grids_of.setdefault(worker_id, []).append(grid)
    grids = {g for gs in grids_of.values() for g in gs}
    counts = unit_counts(unit_kind=UnitKind.GRID, start=start, end=end, units=grids,
                         category_ids=category_ids) if grids else {}
    out = {}
    for worker_id, gs in grids_of.items():
        total = {n: sum(counts[g][n] for g in gs) for n in COUNTERS}
        out[worker_id] = metric_values(total, unrated=policy, weight=w)
    return out
