"""What an Open311 client sent with a service request that the case itself does not keep.

The case (civicgrid.cases) holds the report: description, place, reporter's name, phone and
e-mail. This row keeps the rest of the POST: the answers to the service definition's
attributes, the client's device and account ids (personal identifiers: never shown by the
public GETs) and the media_url the client gave. One row per case made through Open311."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Request(models.Model):
    case = models.OneToOneField("cases.Case", verbose_name=_("案件"), on_delete=models.CASCADE,
                                related_name="open311")
    token = models.ForeignKey("api.ApiToken", verbose_name=_("接口令牌"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="open311_requests")
    # The client's idempotency key as it sent it (the case's client_key is namespaced).
    client_token = models.CharField(_("客户端请求标识"), max_length=64, blank=True, default="",
                                    db_index=True)
    service_code = models.CharField(_("服务编码"), max_length=32)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True,
                                  help_text=_("{属性编码: 值或值列表}"))
    device_id = models.CharField(_("设备标识"), max_length=100, blank=True, default="")
    account_id = models.CharField(_("客户端账号"), max_length=100, blank=True, default="")
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True, default="")
    address_id = models.CharField(_("地址编码"), max_length=18, blank=True, default="")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311请求")
        verbose_name_plural = _("Open311请求")

    def __str__(self) -> str:
        return f"{self.case_id} ({self.service_code})"
