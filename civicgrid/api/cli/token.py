"""`civicgrid api token create --user USERNAME --name NAME [--kind api|open311]
[--rate-limit N]` prints the new key once; `civicgrid api token list [--user USERNAME]` lists
tokens (never keys); `civicgrid api token revoke PREFIX_OR_ID` revokes one."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from civicgrid.api.models import ApiToken, TokenKind
from civicgrid.api.tokens import token_create, token_revoke
from civicgrid.core.errors import DomainError


def add_arguments(parser):
    sub = parser.add_subparsers(dest="token_command", required=True, parser_class=type(parser))
    create = sub.add_parser("create", help=_("创建令牌并显示一次密钥"),
                            called_from_command_line=True)
    create.add_argument("--user", required=True, help=_("令牌代表的用户名（接口专用账号）"))
    create.add_argument("--name", required=True, help=_("令牌名称，例如 12345热线接口"))
    create.add_argument("--kind", default=TokenKind.API, choices=TokenKind.values)
    create.add_argument("--rate-limit", type=int, default=None, help=_("每分钟请求上限"))
    listing = sub.add_parser("list", help=_("列出令牌（不显示密钥）"),
                             called_from_command_line=True)
    listing.add_argument("--user", default=None)
    revoke = sub.add_parser("revoke", help=_("吊销令牌"), called_from_command_line=True)
    revoke.add_argument("token", help=_("令牌编号或密钥前缀"))


def run(options, out) -> int:
    return {"create": _create, "list": _list, "revoke": _revoke}[options["token_command"]](
        options, out)


def _create(options, out) -> int:
    user = get_user_model().objects.filter(username=options["user"]).first()
    if user is None:
        out.write(_("找不到用户 %(u)s。") % {"u": options["user"]} + "\n")
        return 2
    try:
        token, key = token_create(user=user, name=options["name"], kind=options["kind"],
                                  rate_limit_per_minute=options["rate_limit"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2
    out.write(_("已创建令牌 #%(id)d（%(name)s，用户 %(user)s）。密钥只显示这一次，请妥善保存：")
              % {"id": token.pk, "name": token.name, "user": user.username} + "\n")
    out.write(key + "\n")
    return 0


def _list(options, out) -> int:
    qs = ApiToken.objects.select_related("user").order_by("id")
    if options.get("user"):
        qs = qs.filter(user__username=options["user"])
    for t in qs:
        state = _("已吊销") if t.revoked_at else _("有效")
        out.write(f"{t.pk}\t{t.key_prefix}…\t{t.kind}\t{t.user.username}\t{t.name}\t{state}\n")
    return 0


def _revoke(options, out) -> int:
    ref = options["token"].strip()
    qs = ApiToken.objects.filter(pk=int(ref)) if ref.isdigit() else ApiToken.objects.filter(
        key_prefix=ref[:8])
    tokens = list(qs[:2])
    if len(tokens) != 1:
        out.write(_("没有找到唯一的令牌“%(t)s”，请用令牌编号。") % {"t": ref} + "\n")
        return 2
    token_revoke(token=tokens[0])
    out.write(_("已吊销令牌 #%(id)d（%(name)s）。") % {"id": tokens[0].pk,
                                                     "name": tokens[0].name} + "\n")
    return 0
