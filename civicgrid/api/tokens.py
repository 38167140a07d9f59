"""Creating, finding and revoking API tokens. The plaintext key exists only in the return value
of `token_create`; the database keeps its SHA-256 hash (a 32-byte random key needs no slow
hash: it cannot be guessed, only stolen)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.core.errors import InvalidInput

from .models import ApiToken, TokenKind

KEY_PREFIX = "cg_"
# last_used_at is for people ("is this integration still alive?"), not an audit trail: writing
# it on every request would turn every read into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, kind: str = TokenKind.API,
                 rate_limit_per_minute: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with the plaintext key (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("请填写令牌名称，例如“12345热线接口”。"), code="token_name")
    if kind not in TokenKind.values:
        raise InvalidInput(_("令牌类型应为 api 或 open311。"), code="token_kind")
    if rate_limit_per_minute is not None and rate_limit_per_minute < 1:
        raise InvalidInput(_("每分钟请求上限至少为 1。"), code="token_rate_limit")
    if not user.is_active:
        raise InvalidInput(_("用户已停用，不能为其创建令牌。"), code="user_inactive")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    fields = {"user": user, "name": name, "kind": kind, "key_prefix": key[:8],
              "key_hash": hash_key(key)}
    if rate_limit_per_minute is not None:
        fields["rate_limit_per_minute"] = rate_limit_per_minute
    return ApiToken.objects.create(**fields), key


def token_for_key(key: str, *, kind: str | None = None) -> ApiToken | None:
    """The active token with this key (of this kind, if given) whose user is active, or None."""
    if not key or not isinstance(key, str) or len(key) > 200:
        return None
    qs = ApiToken.objects.select_related("user", "user__department").filter(
        key_hash=hash_key(key.strip()), revoked_at__isnull=True, user__is_active=True)
    if kind is not None:
        qs = qs.filter(kind=kind)
    token = qs.first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        # A plain UPDATE of one column: no race worth locking for, and no save() of stale fields.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken) -> None:
    """Revoke the token (idempotent: revoking twice keeps the first time)."""
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
