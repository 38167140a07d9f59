"""`civicgrid webhooks subscribe --owner USERNAME --url URL [--name NAME]
[--events case.created,case.closed]`: prints the signing secret once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .. import services
from .common import guarded, operator


def add_arguments(parser):
    parser.add_argument("--owner", required=True, help=_("订阅所属账号（推送它能查看的案件）"))
    parser.add_argument("--url", required=True, help=_("接收地址（https）"))
    parser.add_argument("--name", default="", help=_("订阅名称，默认用接收地址"))
    parser.add_argument("--events", default="", help=_("事件类型，逗号分隔；默认全部"))


def _run(options, out) -> int:
    owner = get_user_model().objects.filter(username=options["owner"]).first()
    if owner is None:
        out.write(_("找不到账号 %(u)s。") % {"u": options["owner"]} + "\n")
        return 2
    events = [e for e in options["events"].split(",") if e.strip()]
    sub = services.subscription_create(actor=operator(), owner=owner,
                                       name=options["name"] or options["url"][:100],
                                       target_url=options["url"], event_types=events)
    out.write(_("已创建订阅 #%(id)d（%(name)s → %(url)s）。签名密钥只显示这一次：")
              % {"id": sub.pk, "name": sub.name, "url": sub.target_url} + "\n")
    out.write(sub.secret + "\n")
    return 0


def run(options, out) -> int:
    return guarded(_run, options, out)
