"""Incremental rollups of case outcomes and the weights of the composite score.

A rollup row counts, for one unit × category × day (the day the cases were reported, local
time), how many of those cases are now in each outcome (responded on time, closed, rated
satisfied...). When a case changes, its old flags are subtracted and its new flags added in the
same transaction, so the rows stay exact; `civicgrid evaluation rebuild` recomputes them from the
cases and reports any difference. Rankings and dashboard figures read these rows, never the
case table (which holds tens of millions of rows at city scale).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道乡镇")
    COMMUNITY = "community", _("社区村")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("部门")


# The counters of a rollup row, in the order the flags function returns them.
COUNTERS = (
    "received", "rejected", "dispatched", "responded", "responded_on_time", "reported_back",
    "closed", "closed_on_time", "solved", "rated", "satisfied", "basically_satisfied",
    "unsatisfied", "reworked", "extended", "returned", "reopened", "supervised",
)


class Counters(models.Model):
    """The counters of a rollup row (COUNTERS), shared by both rollup tables."""

    received = models.IntegerField(_("受理数"), default=0)
    rejected = models.IntegerField(_("不予立案数"), default=0)
    dispatched = models.IntegerField(_("派遣数"), default=0)
    responded = models.IntegerField(_("已响应数"), default=0)
    responded_on_time = models.IntegerField(_("按时响应数"), default=0)
    reported_back = models.IntegerField(_("已反馈数"), default=0)
    closed = models.IntegerField(_("结案数"), default=0)
    closed_on_time = models.IntegerField(_("按期结案数"), default=0)
    solved = models.IntegerField(_("已解决数"), default=0)
    rated = models.IntegerField(_("已评价数"), default=0)
    satisfied = models.IntegerField(_("满意数"), default=0)
    basically_satisfied = models.IntegerField(_("基本满意数"), default=0)
    unsatisfied = models.IntegerField(_("不满意数"), default=0)
    reworked = models.IntegerField(_("返工案件数"), default=0)
    extended = models.IntegerField(_("延期案件数"), default=0)
    returned = models.IntegerField(_("退单案件数"), default=0)
    reopened = models.IntegerField(_("重办案件数"), default=0)
    supervised = models.IntegerField(_("督办案件数"), default=0)

    class Meta:
        abstract = True


class CaseRollup(Counters):
    unit_kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    unit_code = models.CharField(_("单位编码"), max_length=32,
                                 help_text=_("区域编码，或部门的编号"))
    category_id = models.IntegerField(_("问题分类"), default=0, help_text=_("0 表示未分类"))
    day = models.DateField(_("上报日期"))

    class Meta:
        verbose_name = _("案件统计汇总")
        verbose_name_plural = _("案件统计汇总")
        # Key order (kind, unit, day, category): a month of one unit is one contiguous range.
        constraints = [models.UniqueConstraint(
            fields=["unit_kind", "unit_code", "day", "category_id"], name="uniq_rollup_key")]
        indexes = [models.Index(fields=["unit_kind", "day"])]

    def __str__(self) -> str:
        return f"{self.unit_kind}:{self.unit_code} {self.category_id} {self.day}"


class UnitDayRollup(Counters):
    """The same counters summed over categories (unit × day), kept beside CaseRollup in the same
    transaction. Rankings and dashboards that do not filter by category read these rows: about
    one per unit and day instead of one per unit, category and day."""

    unit_kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    unit_code = models.CharField(_("单位编码"), max_length=32)
    day = models.DateField(_("上报日期"))

    class Meta:
        verbose_name = _("单位日汇总")
        verbose_name_plural = _("单位日汇总")
        constraints = [models.UniqueConstraint(fields=["unit_kind", "unit_code", "day"],
                                               name="uniq_unit_day_rollup")]
        indexes = [models.Index(fields=["unit_kind", "day"])]

    def __str__(self) -> str:
        return f"{self.unit_kind}:{self.unit_code} {self.day}"


class CompositeWeight(models.Model):
    """Weight of one metric in the composite score of one unit kind. The shipped weights are an
    example the city changes, not an official number."""

    unit_kind = models.CharField(_("单位类型"), max_length=12, choices=UnitKind.choices)
    metric = models.CharField(_("指标"), max_length=32)
    weight = models.FloatField(_("权重"))

    class Meta:
        verbose_name = _("综合评分权重")
        verbose_name_plural = _("综合评分权重")
        constraints = [models.UniqueConstraint(fields=["unit_kind", "metric"],
                                               name="uniq_weight")]

    def __str__(self) -> str:
        return f"{self.unit_kind}.{self.metric} = {self.weight:g}"
