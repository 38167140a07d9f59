"""街乡吹哨、部门报到: a street summons departments to a problem beyond it; each summoned
department must acknowledge and arrive on site in time; nobody leaves until the job is done
(事不完、人不撤), and the street scores every whistle (一哨一考核).

The whistle's scope is a catalogue (areas → categories → specific problems): only problems in the
catalogue may be whistled, unless the street commander records an exception with a reason.
Whistles live in their own app because a whistle may hang on a case (cases → dispatch) and names
departments (dispatch): putting it in dispatch would make dispatch import cases.
Report-in status (on time, late, absent) is derived from the times and now, never stored.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WhistleArea(models.TextChoices):
    JOINT_ENFORCEMENT = "joint_enforcement", _("综合执法")
    KEY_WORK = "key_work", _("重点工作")
    EMERGENCY_RESPONSE = "emergency_response", _("应急处置")


class WhistleCategory(models.Model):
    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    area = models.CharField(_("领域"), max_length=32, choices=WhistleArea.choices)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("吹哨类别")
        verbose_name_plural = _("吹哨类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.get_area_display()} · {self.name}"


class WhistleProblem(models.Model):
    """One of the specific problems a street may whistle for."""

    code = models.CharField(_("编码"), max_length=16, unique=True)
    name = models.CharField(_("具体问题"), max_length=150)
    category = models.ForeignKey(WhistleCategory, verbose_name=_("类别"),
                                 on_delete=models.PROTECT, related_name="problems")
    departments = models.ManyToManyField("dispatch.Department", verbose_name=_("通常召集部门"),
                                         blank=True, related_name="whistle_problems")
    report_in_minutes = models.PositiveIntegerField(_("报到时限(分钟)"), default=30)
    arrival_radius_m = models.PositiveIntegerField(_("到场核验半径(米)"), default=500)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("吹哨具体问题")
        verbose_name_plural = _("吹哨具体问题")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class WhistleState(models.TextChoices):
    OPEN = "open", _("处置中")
    RESOLVED = "resolved", _("待街道确认")
    CLOSED = "closed", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


class Whistle(models.Model):
    number = models.CharField(_("吹哨编号"), max_length=32, unique=True)
    street_code = models.CharField(_("吹哨街道"), max_length=9, db_index=True)
    district_code = models.CharField(_("区县编码"), max_length=6, db_index=True)
    community_code = models.CharField(_("社区编码"), max_length=12, blank=True, default="")
    grid_code = models.CharField(_("网格编码"), max_length=15, blank=True, default="")
    problem = models.ForeignKey(WhistleProblem, verbose_name=_("具体问题"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="whistles")
    exception_reason = models.TextField(
        _("清单外吹哨理由"), blank=True, default="",
        help_text=_("问题不在吹哨清单内时，由街道指挥长填写理由"))
    case = models.ForeignKey("cases.Case", verbose_name=_("关联案件"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="whistles")
    title = models.CharField(_("标题"), max_length=150)
    description = models.TextField(_("情况说明"))
    address = models.CharField(_("地点"), max_length=255, blank=True, default="")
    lon = models.FloatField(_("经度(WGS84)"))
    lat = models.FloatField(_("纬度(WGS84)"))
    state = models.CharField(_("状态"), max_length=12, choices=WhistleState.choices,
                             default=WhistleState.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("吹哨人"),
                                  on_delete=models.PROTECT, related_name="whistles_raised")
    raised_at = models.DateTimeField(_("吹哨时间"))
    resolved_at = models.DateTimeField(_("处置完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("街道确认办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.TextField(_("处置结果"), blank=True, default="")
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"),
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    cancel_reason = models.TextField(_("撤销理由"), blank=True, default="")
    version = models.PositiveIntegerField(default=0)

    scope_fields = {6: "district_code", 9: "street_code", 12: "community_code",
                    15: "grid_code"}

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def area_code(self) -> str:
        return self.grid_code or self.community_code or self.street_code


class ReportIn(models.Model):
    """A summoned department's 报到: acknowledged, then on site (time + place checked)."""

    whistle = models.ForeignKey(Whistle, verbose_name=_("吹哨"), on_delete=models.CASCADE,
                                related_name="report_ins")
    department = models.ForeignKey("dispatch.Department", verbose_name=_("部门"),
                                   on_delete=models.PROTECT, related_name="report_ins")
    summoned_at = models.DateTimeField(_("召集时间"))
    deadline = models.DateTimeField(_("报到时限"))
    acknowledged_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("响应人"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    arrived_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("到场人"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    arrival_lon = models.FloatField(_("到场经度"), null=True, blank=True)
    arrival_lat = models.FloatField(_("到场纬度"), null=True, blank=True)
    arrival_distance_m = models.FloatField(_("距现场(米)"), null=True, blank=True)
    absent_at = models.DateTimeField(_("标记未到场时间"), null=True, blank=True)
    absent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("标记人"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    absent_reason = models.TextField(_("未到场情况"), blank=True, default="")
    note = models.TextField(_("说明"), blank=True, default="")

    department_field = "department_id"

    class Meta:
        verbose_name = _("部门报到")
        verbose_name_plural = _("部门报到")
        constraints = [models.UniqueConstraint(fields=["whistle", "department"],
                                               name="uniq_report_in")]

    def __str__(self) -> str:
        return f"{self.whistle_id} ← {self.department_id}"


class ScoreTarget(models.TextChoices):
    WHISTLE = "whistle", _("吹哨（一哨一考核）")
    CASE = "case", _("案件（一件一考核）")


class ScoreItem(models.Model):
    """A configurable item the street scores a department on (timeliness, attitude, result)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("考核项"), max_length=60)
    applies_to = models.CharField(_("适用于"), max_length=12, choices=ScoreTarget.choices)
    max_score = models.PositiveSmallIntegerField(_("满分"), default=100)
    weight = models.FloatField(_("权重"), default=1.0)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("考核项")
        verbose_name_plural = _("考核项")
        ordering = ["applies_to", "sort_order"]

    def __str__(self) -> str:
        return self.name


class DepartmentScore(models.Model):
    """The street's score of a department for one whistle or one case."""

    department = models.ForeignKey("dispatch.Department", verbose_name=_("部门"),
                                   on_delete=models.PROTECT, related_name="scores")
    street_code = models.CharField(_("评分街道"), max_length=9, db_index=True)
    district_code = models.CharField(_("区县编码"), max_length=6, blank=True, default="")
    target = models.CharField(_("对象"), max_length=12, choices=ScoreTarget.choices)
    whistle = models.ForeignKey(Whistle, verbose_name=_("吹哨"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="scores")
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="department_scores")
    items = models.JSONField(_("各项得分"), default=dict, help_text=_("{考核项编码: 得分}"))
    total = models.FloatField(_("综合得分(百分制)"))
    comment = models.TextField(_("评语"), blank=True, default="")
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评分人"),
                                  on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField(_("评分时间"))

    scope_fields = {6: "district_code", 9: "street_code"}
    department_field = "department_id"

    class Meta:
        verbose_name = _("街道对部门评分")
        verbose_name_plural = _("街道对部门评分")
        constraints = [
            models.UniqueConstraint(fields=["department", "whistle"], name="uniq_score_whistle",
                                    condition=models.Q(whistle__isnull=False)),
            models.UniqueConstraint(fields=["department", "case"], name="uniq_score_case",
                                    condition=models.Q(case__isnull=False)),
        ]
        indexes = [models.Index(fields=["department", "scored_at"])]

    def __str__(self) -> str:
        return f"{self.department_id}: {self.total:.1f}"


class DispatchRating(models.Model):
    """The other direction of 双向考评: a department says whether a case was sent to the right
    unit. A misrouted case counts against the dispatcher who sent it."""

    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.CASCADE,
                             related_name="dispatch_ratings")
    department = models.ForeignKey("dispatch.Department", verbose_name=_("评价部门"),
                                   on_delete=models.PROTECT, related_name="+")
    dispatcher = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("派遣人"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    street_code = models.CharField(_("派遣街道"), max_length=9, blank=True, default="",
                                   db_index=True)
    accurate = models.BooleanField(_("派遣准确"))
    note = models.TextField(_("说明"), blank=True, default="")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评价人"),
                                 on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("派遣准确性评价")
        verbose_name_plural = _("派遣准确性评价")
        constraints = [models.UniqueConstraint(fields=["case", "department"],
                                               name="uniq_dispatch_rating")]

    def __str__(self) -> str:
        return f"{self.case_id} {'✓' if self.accurate else '✗'}"
