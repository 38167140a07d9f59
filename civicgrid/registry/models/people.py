"""People in the ledgers: social workers and community workers (with their training records),
volunteers (real-name registered: personal data, masked for roles that do not need it),
street-lane chiefs and alley stewards with the lanes they look after. `name` is the person's
name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .base import LedgerRow, split_list


class WorkerKind(models.TextChoices):
    SOCIAL_WORKER = "social_worker", _("社会工作者")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")


class Certificate(models.TextChoices):
    NONE = "none", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    CERTIFIED = "certified", _("社会工作师")


class Worker(LedgerRow):
    """A social worker (of a social-work agency or a post) or a community worker (staff of the
    community). One ledger for both: the same person data, certificates and training; `kind`
    tells them apart. Social-work professionals (社会工作专业人才) are the social workers and
    every worker holding a certificate (computed.py)."""

    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20, choices=WorkerKind.choices)
    certificate = models.CharField(_("职业水平证书"), max_length=12, choices=Certificate.choices,
                                   default=Certificate.NONE)
    employer = models.CharField(_("工作单位"), max_length=120, blank=True, default="")
    position = models.CharField(_("岗位"), max_length=60, blank=True, default="")
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("社会工作者和社区工作者")
        verbose_name_plural = _("社会工作者和社区工作者")

    @property
    def is_professional(self) -> bool:
        return self.kind == WorkerKind.SOCIAL_WORKER or self.certificate != Certificate.NONE


class TrainingRecord(models.Model):
    worker = models.ForeignKey(Worker, verbose_name=_("人员"), on_delete=models.CASCADE,
                               related_name="trainings")
    date = models.DateField(_("培训日期"))
    course = models.CharField(_("课程"), max_length=120)
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["worker_id", "date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.course} {self.hours}"


class Volunteer(LedgerRow):
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, default="")
    phone = models.CharField(_("手机号"), max_length=20, blank=True, default="")
    organisation = models.CharField(_("所属志愿服务组织"), max_length=120, blank=True,
                                    default="")
    service_hours = models.DecimalField(_("累计服务时长(小时)"), max_digits=9, decimal_places=1,
                                        default=0)
    history = HistoricalRecords()

    # Personal data: shown in full only to roles with registry.view_personal.
    personal_fields = ("id_number", "phone")

    class Meta(LedgerRow.Meta):
        verbose_name = _("实名注册志愿者")
        verbose_name_plural = _("实名注册志愿者")


class LaneChief(LedgerRow):
    """A street-lane chief (街巷长): a street official who answers for some lanes."""

    name = models.CharField(_("姓名"), max_length=50)
    position = models.CharField(_("职务"), max_length=60, blank=True, default="")
    lanes = models.TextField(_("负责街巷"), help_text=_("多个用顿号分隔"))
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("街巷长")
        verbose_name_plural = _("街巷长")

    @property
    def lane_list(self) -> list[str]:
        return split_list(self.lanes)


class AlleySteward(LedgerRow):
    """An alley steward (小巷管家): a resident volunteer who looks after lanes, usually helping
    that lane's chief."""

    name = models.CharField(_("姓名"), max_length=50)
    lanes = models.TextField(_("负责街巷"), help_text=_("多个用顿号分隔"))
    chief = models.ForeignKey(LaneChief, verbose_name=_("协助街巷长"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="stewards")
    history = HistoricalRecords()

    class Meta(LedgerRow.Meta):
        verbose_name = _("小巷管家")
        verbose_name_plural = _("小巷管家")

    @property
    def lane_list(self) -> list[str]:
        return split_list(self.lanes)
