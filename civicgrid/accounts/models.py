from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    STREET_DISPATCHER = "street_dispatcher", _("街道派遣员")
    STREET_COMMANDER = "street_commander", _("街道指挥长")
    DEPARTMENT_HANDLER = "department_handler", _("部门处置人员")
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    CITY_ADMIN = "city_admin", _("市级管理员")
    AUDITOR = "auditor", _("审计员")


class User(AbstractUser):
    """A person who signs in. One role and one scope per account (docs/decisions.md).

    The scope is an area code (a node of the territory: '' is the whole city, 6 digits a district,
    9 a street, 12 a community, 15 a grid) or, for department handlers, a department."""

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    area_code = models.CharField(
        _("辖区编码"), max_length=15, blank=True, default="",
        help_text=_("空表示全市；6位区县、9位街道、12位社区、15位网格"))
    department = models.ForeignKey(
        "dispatch.Department", verbose_name=_("所属部门"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="users")
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        indexes = [models.Index(fields=["role", "area_code"])]

    def __str__(self) -> str:
        return f"{self.get_full_name() or self.username}（{self.get_role_display()}）"
