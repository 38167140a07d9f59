"""`civicgrid open311 key create --name NAME [--rate-limit N]`: an api_key for an Open311
client (its own resident-role account, created on first use), printed once.
`civicgrid open311 key list` lists the Open311 keys (never the keys themselves)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicgrid.api.models import ApiToken, TokenKind
from civicgrid.core.errors import DomainError

from ..services import open311_client_key_create


def add_arguments(parser):
    sub = parser.add_subparsers(dest="key_command", required=True, parser_class=type(parser))
    create = sub.add_parser("create", help=_("为客户端创建 api_key 并显示一次"),
                            called_from_command_line=True)
    create.add_argument("--name", required=True, help=_("客户端名称，例如 市民随手拍App"))
    create.add_argument("--rate-limit", type=int, default=None, help=_("每分钟请求上限"))
    sub.add_parser("list", help=_("列出 Open311 api_key（不显示密钥）"),
                   called_from_command_line=True)


def run(options, out) -> int:
    if options["key_command"] == "list":
        for t in ApiToken.objects.filter(kind=TokenKind.OPEN311).select_related("user"):
            state = _("已吊销") if t.revoked_at else _("有效")
            out.write(f"{t.pk}\t{t.key_prefix}…\t{t.user.username}\t{t.name}\t{state}\n")
        return 0
    try:
        token, key = open311_client_key_create(name=options["name"],
                                               rate_limit_per_minute=options["rate_limit"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2
    out.write(_("已为客户端“%(name)s”创建 api_key（令牌 #%(id)d，账号 %(user)s）。"
                "密钥只显示这一次，请妥善保存：") % {"name": token.name, "id": token.pk,
                                                "user": token.user.username} + "\n")
    out.write(key + "\n")
    return 0
