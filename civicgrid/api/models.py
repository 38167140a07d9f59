"""API tokens. A token acts as its user, with that user's role and scope: an integration (the
12345 hotline, a camera platform, another district's system) is simply a dedicated user account
holding one or more tokens. Only a SHA-256 hash of the key is stored; the key is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_rate_limit() -> int:
    return int(settings.CIVICGRID.get("API_RATE_LIMIT_PER_MINUTE", 600))


class TokenKind(models.TextChoices):
    API = "api", _("REST 接口")
    OPEN311 = "open311", _("Open311 接口")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"),
                             on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=TokenKind.choices,
                            default=TokenKind.API)
    # The first characters of the key, so an operator can tell tokens apart without the key.
    key_prefix = models.CharField(_("密钥前缀"), max_length=8)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(_("每分钟请求上限"),
                                                        default=default_rate_limit)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.key_prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
