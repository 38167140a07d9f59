"""目标+指标: plans, their aspects and indicators, targets (baseline, mid-term, final; for the
city and broken down by district or street) and measurements with evidence and approval.

An indicator's status at a date (completed / meets the mid-term requirement / lagging / not
evaluable) is derived from its targets and approved measurements by `rules.evaluate`, never
stored. A measurement's figure in force is `approved_value`/`approved_date`: a correction changes
`value` and goes back for review, and until it is approved the last approved figure still counts
(the history of every version is kept by django-simple-history).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

VALUE = {"max_digits": 20, "decimal_places": 6}


class Plan(models.Model):
    code = models.SlugField(_("规划编码"), max_length=64, unique=True)
    name = models.CharField(_("规划名称"), max_length=200)
    period_start = models.DateField(_("规划期起"))
    period_end = models.DateField(_("规划期止"))
    source_seed = models.CharField(
        _("来源种子文件"), max_length=64, blank=True, default="",
        help_text=_("数据取自种子文件时填写文件名；此时缺数的指标注明“种子文件未给出”"))
    reported_summary = models.JSONField(
        _("原文报告的评估结果"), blank=True, default=dict,
        help_text=_("原文自己报告的汇总（如中期评估的完成项数），与平台计算结果对照显示"))
    notes = models.TextField(_("说明"), blank=True, default="")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("规划")
        verbose_name_plural = _("规划")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Aspect(models.Model):
    """A part of a plan (方面 / 领域), e.g. 社会服务 or 社会工作队伍建设."""

    plan = models.ForeignKey(Plan, verbose_name=_("规划"), on_delete=models.CASCADE,
                             related_name="aspects")
    code = models.SlugField(_("编码"), max_length=64)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("指标方面")
        verbose_name_plural = _("指标方面")
        ordering = ["plan", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"],
                                               name="indicators_aspect_code")]

    def __str__(self) -> str:
        return self.name


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Kind(models.TextChoices):
    LEVEL = "level", _("水平值")
    CUMULATIVE = "cumulative", _("累计值")


class Source(models.TextChoices):
    MANUAL = "manual", _("人工填报（附证明材料）")
    LEDGER = "ledger", _("由台账计算")
    CASES = "cases", _("由案件数据计算")


COMPUTED_SOURCES = (Source.LEDGER, Source.CASES)


class Indicator(models.Model):
    plan = models.ForeignKey(Plan, verbose_name=_("规划"), on_delete=models.CASCADE,
                             related_name="indicators")
    aspect = models.ForeignKey(
        Aspect, verbose_name=_("所属方面"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="indicators", help_text=_("原文未说明所属方面时留空"))
    code = models.SlugField(_("指标编码"), max_length=64)
    name = models.CharField(_("指标名称"), max_length=200)
    unit = models.CharField(_("单位"), max_length=32, blank=True, default="")
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices,
                                 default=Direction.HIGHER)
    kind = models.CharField(
        _("类型"), max_length=12, choices=Kind.choices, default=Kind.LEVEL,
        help_text=_("累计值：每次填报自规划期起的累计总量（未设基期值时基期按 0 计）"))
    source = models.CharField(_("数据来源"), max_length=8, choices=Source.choices,
                              default=Source.MANUAL)
    compute_key = models.CharField(
        _("计算口径"), max_length=64, blank=True, default="",
        help_text=_("数据来源为台账或案件时，civicgrid.registry.computed 中的口径编码"))
    responsible_unit = models.CharField(_("责任单位"), max_length=200, blank=True, default="")
    not_evaluable_reason = models.CharField(
        _("不具备评估条件的原因"), max_length=200, blank=True, default="",
        help_text=_("填写后该指标一律按“不具备评估条件”处理，如“五年累计指标，中期不评估”"))
    notes = models.TextField(_("说明"), blank=True, default="")
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["plan", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="indicators_indicator_code"),
            models.CheckConstraint(
                condition=Q(source="manual") | ~Q(compute_key=""),
                name="indicators_computed_has_key"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_computed(self) -> bool:
        return self.source in COMPUTED_SOURCES


class TargetKind(models.TextChoices):
    BASELINE = "baseline", _("基期值")
    MIDTERM = "midterm", _("中期目标")
    FINAL = "final", _("期末目标")


class Target(models.Model):
    """A baseline, mid-term or final target of an indicator, for the city (area_code '') or
    broken down for one district (6 digits) or street (9 digits)."""

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE,
                                  related_name="targets")
    area_code = models.CharField(_("区域编码"), max_length=15, blank=True, default="",
                                 help_text=_("空表示全市；6位区县、9位街道"))
    kind = models.CharField(_("类别"), max_length=8, choices=TargetKind.choices)
    date = models.DateField(_("日期"))
    value = models.DecimalField(_("数值"), **VALUE)
    citation_seed = models.CharField(_("引用种子文件"), max_length=64, blank=True, default="")
    citation_text = models.TextField(_("引用原文"), blank=True, default="")
    note = models.TextField(_("备注"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        ordering = ["indicator", "area_code", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area_code", "kind"], condition=~Q(kind="midterm"),
                name="indicators_target_one_baseline_final"),
            models.UniqueConstraint(fields=["indicator", "area_code", "kind", "date"],
                                    name="indicators_target_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} @ {self.date}"


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("已退回")


class Origin(models.TextChoices):
    MANUAL = "manual", _("人工填报")
    SEED = "seed", _("种子文件")
    COMPUTED = "computed", _("系统计算")


class Measurement(models.Model):
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT,
                                  related_name="measurements")
    area_code = models.CharField(_("区域编码"), max_length=15, blank=True, default="",
                                 help_text=_("空表示全市；6位区县、9位街道"))
    # The area's district and street, so the permission policy can scope rows (scope_fields).
    district_code = models.CharField(max_length=6, blank=True, default="", db_index=True)
    street_code = models.CharField(max_length=9, blank=True, default="", db_index=True)
    date = models.DateField(_("数据日期"))
    value = models.DecimalField(_("数值"), **VALUE)
    evidence = models.FileField(_("证明材料"), upload_to="indicators/evidence/%Y/%m/",
                                blank=True, default="")
    evidence_url = models.URLField(_("证明材料链接"), max_length=500, blank=True, default="")
    note = models.TextField(_("说明"), blank=True, default="")
    citation_seed = models.CharField(_("引用种子文件"), max_length=64, blank=True, default="")
    citation_text = models.TextField(_("引用原文"), blank=True, default="")
    origin = models.CharField(_("来源"), max_length=8, choices=Origin.choices,
                              default=Origin.MANUAL)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"),
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(_("填报时间"), default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"),
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True, default="")
    # The figure in force: set on approval; a correction awaiting review leaves it unchanged.
    approved_value = models.DecimalField(_("生效数值"), null=True, blank=True, **VALUE)
    approved_date = models.DateField(_("生效数据日期"), null=True, blank=True)
    history = HistoricalRecords()

    scope_fields = {6: "district_code", 9: "street_code"}

    class Meta:
        verbose_name = _("指标数据")
        verbose_name_plural = _("指标数据")
        ordering = ["indicator", "area_code", "date", "pk"]
        indexes = [models.Index(fields=["indicator", "area_code", "approved_date"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.area_code or '全市'} {self.date}: {self.value}"
