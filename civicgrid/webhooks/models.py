"""Subscriptions, deliveries and the fan-out marks.

A Subscription belongs to an owner (a user: usually an integration account) and receives the
events of the cases its owner may see. Each (subscription, case event) gets at most one
Delivery row — the unique constraint is what makes fan-out idempotent — which records every
attempt's outcome until it is delivered or has failed for good. An EventFanOut row says an
event has been fanned out, so the sweep can find events whose fan-out never ran."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("所属账号"),
                              on_delete=models.CASCADE, related_name="webhook_subscriptions",
                              help_text=_("只推送该账号有权查看的案件的事件"))
    name = models.CharField(_("名称"), max_length=100)
    target_url = models.URLField(_("接收地址"), max_length=500)
    # Kept in clear: every delivery is signed with it (HMAC needs the secret itself).
    secret = models.CharField(_("签名密钥"), max_length=100, editable=False)
    event_types = models.JSONField(_("事件类型"), default=list, blank=True,
                                   help_text=_("如 [\"case.created\", \"case.closed\"]；空表示全部"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} → {self.target_url}"

    def wants(self, event_type: str) -> bool:
        types = self.event_types or []
        return not types or "all" in types or "*" in types or event_type in types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已失败")


class Delivery(models.Model):
    subscription = models.ForeignKey(Subscription, verbose_name=_("订阅"),
                                     on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("cases.CaseEvent", verbose_name=_("案件事件"),
                              on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(_("事件类型"), max_length=40)
    payload = models.JSONField(_("内容"))
    status = models.CharField(_("状态"), max_length=12, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_status_code = models.PositiveIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True, default="")
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    # While a worker sends it: after this, a sweep may take the delivery over.
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    replays = models.PositiveIntegerField(_("重发次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"],
                                               name="uniq_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event_type} → {self.subscription_id} ({self.status})"


class EventFanOut(models.Model):
    """The event has been fanned out to every subscription that wanted it at the time."""

    event = models.OneToOneField("cases.CaseEvent", primary_key=True, on_delete=models.CASCADE,
                                 related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("事件分发记录")
        verbose_name_plural = _("事件分发记录")

    def __str__(self) -> str:
        return f"event {self.event_id}"
