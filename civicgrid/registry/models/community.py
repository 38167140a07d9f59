"""The community's three bodies (三位一体): its party organisation, residents' committee and
service station, with the community's population, households and service facility area — one
row per community, keyed by the community's code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import AreaPlaced


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    NONE = "none", _("未建立")


class CommunityBody(AreaPlaced):
    community_code = models.CharField(_("社区编码"), max_length=12, unique=True)
    party_org_name = models.CharField(_("社区党组织"), max_length=120, blank=True, default="")
    party_org_kind = models.CharField(_("党组织类型"), max_length=16, choices=PartyOrgKind.choices,
                                      default=PartyOrgKind.BRANCH)
    party_members = models.PositiveIntegerField(_("党员人数"), null=True, blank=True)
    committee_name = models.CharField(_("社区居委会"), max_length=120, blank=True, default="")
    committee_members = models.PositiveSmallIntegerField(_("居委会成员数"), null=True, blank=True)
    station_name = models.CharField(_("社区服务站"), max_length=120, blank=True, default="")
    station_staff = models.PositiveSmallIntegerField(_("服务站工作人员数"), null=True, blank=True)
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    facility_area_m2 = models.DecimalField(_("服务设施面积(平方米)"), max_digits=10,
                                           decimal_places=1, null=True, blank=True,
                                           help_text=_("社区综合服务设施（办公和服务用房）建筑面积"))
    note = models.TextField(_("备注"), blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社区三位一体")
        verbose_name_plural = _("社区三位一体")
        ordering = ["community_code"]

    def __str__(self) -> str:
        return self.committee_name or self.community_code

    @property
    def code(self) -> str:
        return self.community_code
