from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.calendar import DeadlineUnit


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("职能部门")
    STREET = "street", _("街道乡镇")
    COMMUNITY = "community", _("社区村")
    ENTERPRISE = "enterprise", _("企业单位")


class Department(models.Model):
    """A handling unit that is not an area node itself: a functional department (城管执法局,
    区房管局...) or a public-service enterprise (供水、供电、燃气). Its jurisdiction is an area
    code: '' for a city department, a district code for a district department."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=40, blank=True, default="")
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices,
                            default=UnitKind.DEPARTMENT)
    area_code = models.CharField(_("管辖区域编码"), max_length=15, blank=True, default="",
                                 help_text=_("空表示市级部门；6位表示区级部门"))
    phone = models.CharField(_("值班电话"), max_length=40, blank=True, default="")
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["area_code", "code"]

    def __str__(self) -> str:
        return self.name


class Stream(models.TextChoices):
    """五位一体: the five streams the command centre covers."""

    ADMINISTRATIVE_SERVICE = "administrative_service", _("行政服务")
    SOCIAL_SERVICE = "social_service", _("社会服务")
    CITY_MANAGEMENT = "city_management", _("城市管理")
    SOCIAL_MANAGEMENT = "social_management", _("社会管理")
    EMERGENCY_RESPONSE = "emergency_response", _("应急处置")


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")
    SERVICE = "service", _("服务诉求")


class Category(models.Model):
    """A kind of problem: the catalogue the city edits. It lives in dispatch because the
    responsibility list (RoutingRule) is written in its terms and cases depend on dispatch, not
    the reverse (docs/decisions.md).

    Components (部件) are physical assets with an owner and go to the owner first (先属主后属地);
    events (事件) and service requests go to the territory first (先属地后属主)."""

    code = models.CharField(_("分类编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("上级分类"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    stream = models.CharField(_("业务板块"), max_length=32, choices=Stream.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=CategoryKind.choices)
    # Deadlines per step: value + unit (civicgrid.core.calendar.DeadlineUnit).
    register_limit = models.FloatField(_("立案时限"), default=2)
    register_unit = models.CharField(_("立案时限单位"), max_length=16, choices=DeadlineUnit.choices,
                                          default="working_hours")
    dispatch_limit = models.FloatField(_("派遣时限"), default=2)
    dispatch_unit = models.CharField(_("派遣时限单位"), max_length=16, choices=DeadlineUnit.choices,
                                          default="working_hours")
    handle_limit = models.FloatField(_("处置时限"), default=5)
    handle_unit = models.CharField(_("处置时限单位"), max_length=16, choices=DeadlineUnit.choices,
                                        default="working_days")
    default_unit_kind = models.CharField(_("默认处置单位类型"), max_length=16,
                                         choices=UnitKind.choices, default=UnitKind.STREET)
    keywords = models.TextField(_("关键词"), blank=True, default="",
                                help_text=_("用于根据描述推荐分类，用空格或逗号分隔"))
    duplicate_radius_m = models.PositiveIntegerField(_("重复判定半径(米)"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("重复判定时间窗(小时)"), default=72)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("问题分类")
        verbose_name_plural = _("问题分类")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class RoutingTarget(models.TextChoices):
    DEPARTMENT = "department", _("指定部门")
    STREET = "street", _("属地街道")
    COMMUNITY = "community", _("属地社区")


class RoutingRule(models.Model):
    """One line of the responsibility list (责任清单): category × area → handling unit.

    The most specific rule wins: an exact category beats its parent beats "any category"; a
    longer area code (grid > community > street > district > city) beats a shorter one; then
    priority. A rule either names a department or says "the case's own street/community"."""

    category = models.ForeignKey(Category, verbose_name=_("问题分类"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="routing_rules",
                                 help_text=_("空表示所有分类"))
    area_code = models.CharField(_("适用区域编码"), max_length=15, blank=True, default="",
                                 help_text=_("空表示全市"))
    target = models.CharField(_("处置单位"), max_length=16, choices=RoutingTarget.choices)
    department = models.ForeignKey(Department, verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="routing_rules")
    priority = models.IntegerField(_("优先级"), default=0)
    note = models.CharField(_("依据"), max_length=200, blank=True, default="",
                            help_text=_("如：《西城区城市管理责任清单》第3条"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("责任清单规则")
        verbose_name_plural = _("责任清单规则")
        indexes = [models.Index(fields=["category", "area_code"])]

    def __str__(self) -> str:
        what = self.category.name if self.category_id else "所有分类"
        return f"{what} @ {self.area_code or '全市'} → {self.get_target_display()}"
