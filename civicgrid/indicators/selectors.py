"""Reads of plans, indicators and measurements.

Plans, indicators, targets and approved figures are the city's published goals: every staff
role with `indicator.view` sees them all (a street needs the city's targets to know its own
contribution). Figures not yet approved (drafts, awaiting review, sent back) are working
papers: only actors whose area contains them see them (`permissions.visible`).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.errors import NotFound, PermissionDenied
from civicgrid.territory.selectors import MODEL_OF_LEVEL

from .models import Indicator, Measurement, Plan, Status


def _require_view(actor) -> None:
    if not permissions.may(actor, "indicator.view"):
        raise PermissionDenied(_("目标与指标只对工作人员开放。"), code="forbidden")


def plans_for(actor) -> QuerySet[Plan]:
    if not permissions.may(actor, "indicator.view"):
        return Plan.objects.none()
    return Plan.objects.all()


def plan_for(actor, code: str) -> Plan:
    _require_view(actor)
    plan = Plan.objects.filter(code=code).first()
    if plan is None:
        raise NotFound(_("没有编码为“%(code)s”的规划。") % {"code": code}, code="not_found")
    return plan


def indicator_for(actor, plan: Plan, code: str) -> Indicator:
    _require_view(actor)
    indicator = (Indicator.objects.filter(plan=plan, code=code)
                 .select_related("plan", "aspect").first())
    if indicator is None:
        raise NotFound(_("规划中没有编码为“%(code)s”的指标。") % {"code": code}, code="not_found")
    return indicator


def measurements_for(actor, indicator: Indicator) -> QuerySet[Measurement]:
    """Approved figures (and corrections of them awaiting review) for everyone who may view;
    other working papers only inside the actor's area."""
    base = Measurement.objects.filter(indicator=indicator)
    if not permissions.may(actor, "indicator.view"):
        return base.none()
    working = permissions.visible(actor, base.exclude(status=Status.APPROVED))
    return (base.filter(Q(status=Status.APPROVED) | Q(approved_value__isnull=False)
                        | Q(pk__in=working.values("pk")))
            .select_related("entered_by", "reviewed_by")
            .order_by("area_code", "-date", "-pk"))


def measurement_for(actor, pk: int) -> Measurement:
    _require_view(actor)
    row = Measurement.objects.filter(pk=pk).select_related("indicator__plan").first()
    if row is None or not measurements_for(actor, row.indicator).filter(pk=pk).exists():
        raise NotFound(_("这条指标数据不存在，或不在您的范围内。"), code="not_found")
    return row


def area_names(codes) -> dict[str, str]:
    """Names of district and street codes from the territory, '' → 全市."""
    codes = set(codes)
    names = {"": _("全市")}
    for level, n in (("district", 6), ("street", 9)):
        wanted = [c for c in codes if len(c) == n]
        if wanted:
            names.update(MODEL_OF_LEVEL[level].objects.filter(code__in=wanted)
                         .values_list("code", "name"))
    missing = codes - names.keys()
    if missing:
        from .seeds import area_names_from_data

        known = area_names_from_data()
        names.update({c: known.get(c, c) for c in missing})
    return names
