"""Social organisations, non-public enterprises and business-building work stations — the
three kinds of body the "two coverages" (两个覆盖) of party organisations are measured on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import LedgerRow, split_list


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE = "social_service", _("社会服务机构")
    FOUNDATION = "foundation", _("基金会")
    COMMUNITY = "community", _("社区社会组织")


class OrgStatus(models.TextChoices):
    REGISTERED = "registered", _("登记")
    FILED = "filed", _("备案")


class HubLevel(models.TextChoices):
    CITY = "city", _("市级枢纽型")
    DISTRICT = "district", _("区级枢纽型")
    STREET = "street", _("街道枢纽型")
    NONE = "none", _("否")


class SocialOrganization(LedgerRow):
    code = models.CharField(_("统一社会信用代码或备案编号"), max_length=40, unique=True)
    org_type = models.CharField(_("组织类型"), max_length=16, choices=OrgType.choices)
    status = models.CharField(_("登记或备案"), max_length=12, choices=OrgStatus.choices,
                              default=OrgStatus.REGISTERED)
    hub_level = models.CharField(_("枢纽型组织层级"), max_length=12, choices=HubLevel.choices,
                                 default=HubLevel.NONE)
    is_social_work_agency = models.BooleanField(_("社会工作服务机构"), default=False)
    has_party_org = models.BooleanField(_("已建党组织"), default=False,
                                        help_text=_("单独或联合建立党组织，计入党组织覆盖率"))
    service_fields = models.CharField(_("服务领域"), max_length=255, blank=True, default="",
                                      help_text=_("多个用顿号分隔，如：养老、助残、青少年"))
    communities_served = models.ManyToManyField(
        "territory.Community", verbose_name=_("服务社区"), blank=True,
        related_name="social_organizations")
    history = HistoricalRecords(m2m_fields=[communities_served])

    class Meta(LedgerRow.Meta):
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")

    @property
    def service_field_list(self) -> list[str]:
        return split_list(self.service_fields)


class StationMode(models.TextChoices):
    SINGLE = "single", _("一楼一站")
    ONE_FOR_MANY = "one_for_many", _("一站多楼")
    MANY_IN_ONE = "many_in_one", _("多站合一")


class BuildingStation(LedgerRow):
    """A business-building work station (商务楼宇工作站): serves the enterprises in one or several
    buildings (一站多楼), or several stations' work under one roof (多站合一)."""

    mode = models.CharField(_("建站方式"), max_length=16, choices=StationMode.choices,
                            default=StationMode.SINGLE)
    buildings = models.TextField(_("覆盖楼宇"), blank=True, default="",
                                 help_text=_("多个用顿号分隔"))
    has_party_org = models.BooleanField(_("已建联合党组织"), default=False,
                                        help_text=_("楼宇联合党组织覆盖站内未单独建立党组织的企业"))
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("商务楼宇工作站")
        verbose_name_plural = _("商务楼宇工作站")

    @property
    def building_list(self) -> list[str]:
        return split_list(self.buildings)


class Enterprise(LedgerRow):
    """A non-public enterprise (非公有制企业)."""

    code = models.CharField(_("统一社会信用代码"), max_length=40, unique=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True, default="")
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    building = models.CharField(_("所在楼宇"), max_length=120, blank=True, default="")
    station = models.ForeignKey(BuildingStation, verbose_name=_("所属楼宇工作站"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="enterprises")
    has_party_org = models.BooleanField(_("单独建立党组织"), default=False)
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("非公有制企业")
        verbose_name_plural = _("非公有制企业")
