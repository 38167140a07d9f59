"""Recompute the computed indicators (source: ledgers or cases) and store their figures.

For each computed indicator (of one plan, or all) and each area it is tracked in (the city and
every district or street it has targets for), the calculation named by `compute_key` is run at
`as_of` and written as a measurement of origin "computed", approved at once (a calculation has
nobody to review it; its definition is what was reviewed). Running it again on the same day
updates that day's figure — a new history version only when the figure changed. A calculation
that is missing or returns None writes nothing and is reported with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.errors import DomainError, PermissionDenied

from . import computing
from .models import COMPUTED_SOURCES, Indicator, Measurement, Origin, Status, Target
from .services import area_scope_codes


@dataclass
class RecomputeReport:
    as_of: dt.date
    written: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "plan/indicator [area]: reason"

    def summary_zh(self) -> str:
        return _("计算日期 %(d)s：写入 %(w)d 条，未变化 %(u)d 条，跳过 %(s)d 项") % {
            "d": self.as_of.isoformat(), "w": self.written, "u": self.unchanged,
            "s": len(self.skipped)}


def _areas(indicator: Indicator) -> list[str]:
    codes = set(Target.objects.filter(indicator=indicator).exclude(area_code="")
                .values_list("area_code", flat=True))
    return ["", *sorted(codes)]


def _store(indicator: Indicator, area_code: str, as_of: dt.date, value) -> bool:
    """Write or update the computed figure; True when something was written."""
    key = indicator.compute_key
    row = (Measurement.objects.select_for_update()
           .filter(indicator=indicator, area_code=area_code, date=as_of, origin=Origin.COMPUTED)
           .first())
    if row is not None and row.value == value and row.approved_value == value:
        return False
    district_code, street_code = area_scope_codes(area_code)
    if row is None:
        row = Measurement(indicator=indicator, area_code=area_code, date=as_of,
                          district_code=district_code, street_code=street_code,
                          origin=Origin.COMPUTED)
    row.value = row.approved_value = value
    row.approved_date = as_of
    row.status = Status.APPROVED
    row.entered_at = row.reviewed_at = timezone.now()
    row.note = _("由系统按计算口径“%(key)s”自动计算") % {"key": key}
    row._change_reason = _("重新计算")
    row.save()
    return True


def indicators_recompute(*, as_of: dt.date | None = None, plan_code: str | None = None,
                         actor=None) -> RecomputeReport:
    """Recompute; `actor` (from a page) must be an admin — commands and tasks pass none."""
    if actor is not None and not permissions.may(actor, "indicator.edit"):
        raise PermissionDenied(_("只有区级或市级管理员可以重新计算指标。"), code="forbidden")
    as_of = as_of or timezone.localdate()
    report = RecomputeReport(as_of=as_of)
    indicators = (Indicator.objects.filter(source__in=COMPUTED_SOURCES)
                  .select_related("plan").order_by("plan__sort_order", "plan__code",
                                                   "sort_order", "code"))
    if plan_code:
        indicators = indicators.filter(plan__code=plan_code)
    catalogue, why = computing.computed_catalogue()
    for ind in indicators:
        label = f"{ind.plan.code}/{ind.code}"
        reason = (why if catalogue is None
                  else computing.unavailable_reason(ind.compute_key, catalogue))
        if reason:
            report.skipped.append(f"{label}: {reason}")
            continue
        for area_code in _areas(ind):
            try:
                value = computing.compute(ind.compute_key, as_of=as_of, area_code=area_code)
            except DomainError as exc:  # e.g. an area the territory does not know
                report.skipped.append(f"{label} [{area_code or _('全市')}]: {exc.message}")
                continue
            if value is None:
                report.skipped.append(
                    f"{label} [{area_code or _('全市')}]: " + _("现有数据无法计算"))
                continue
            with transaction.atomic():
                if _store(ind, area_code, as_of, value):
                    report.written += 1
                else:
                    report.unchanged += 1
    return report
