"""Facilities: 15-minute community service circle centres, community homes, elderly-service
stations and community service centres, each with a WGS84 point (GCJ-02 and BD-09 are converted
on entry), opening hours and floor area."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import LedgerRow


class FacilityKind(models.TextChoices):
    SERVICE_CIRCLE = "service_circle", _("一刻钟社区服务圈")
    COMMUNITY_HOME = "community_home", _("社区之家")
    ELDERLY_STATION = "elderly_station", _("养老服务驿站")
    SERVICE_CENTRE = "service_centre", _("社区服务中心")


class Facility(LedgerRow):
    kind = models.CharField(_("设施类型"), max_length=20, choices=FacilityKind.choices)
    address = models.CharField(_("地址"), max_length=255, blank=True, default="")
    lon = models.FloatField(_("经度(WGS84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度(WGS84)"), null=True, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=120, blank=True, default="",
                                     help_text=_("如：周一至周日 8:00-20:00"))
    area_m2 = models.DecimalField(_("面积(平方米)"), max_digits=10, decimal_places=1, null=True,
                                  blank=True)
    operator = models.CharField(_("运营单位"), max_length=120, blank=True, default="")
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("服务设施")
        verbose_name_plural = _("服务设施")
