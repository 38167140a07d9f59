from django.db import models
from django.utils.translation import gettext_lazy as _


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
