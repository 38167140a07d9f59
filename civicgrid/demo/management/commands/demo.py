"""`civicgrid demo load [--districts 110102,110105] [--force]` and `civicgrid demo info`.

`load` writes the demo city (all 16 Beijing districts by default) and the demo accounts; run
again it reuses what exists. Both print where to go and the demo logins."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.models import Case
from civicgrid.core.errors import DomainError
from civicgrid.demo.cases import DEMO_CASES, demo_cases
from civicgrid.demo.load import demo_load, demo_open311_key
from civicgrid.demo.users import DEMO_PASSWORD, demo_logins
from civicgrid.demo.whistles import ensure_demo_whistles
from civicgrid.territory.models import Community, District, Grid, GridWorker, Street

BASE_URL = "http://127.0.0.1:8000"


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[list[str]]) -> str:
    """Columns aligned for a terminal, counting CJK characters as two cells."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


class Command(BaseCommand):
    help = gettext_lazy("演示城市：加载北京市演示区域、网格、网格员、部门和演示账号")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        load = sub.add_parser("load", help=_("加载演示城市（已有的区县直接沿用）"),
                              called_from_command_line=True)
        load.add_argument("--districts", type=_codes, default=None,
                          help=_("只加载这些区县，如 110102,110105（默认全部16个区）"))
        load.add_argument("--cases", type=int, default=DEMO_CASES,
                          help=_("没有案件时生成最近3个月的模拟案件数（默认 20000，0 表示不生成）"))
        load.add_argument("--force", action="store_true",
                          help=_("删除这些区县已有的区域和网格员后重新生成"))
        sub.add_parser("info", help=_("显示访问地址和演示账号"), called_from_command_line=True)

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "load":
            self._load(options["districts"], options["force"])
            self._cases(options["cases"])
            made = ensure_demo_whistles()
            if made:
                self.stdout.write(_("吹哨报到：新建演示吹哨 %(n)d 个") % {"n": made})
        self._info()

    def _load(self, districts: list[str] | None, force: bool) -> None:
        try:
            report = demo_load(districts, force=force)
        except (ValueError, DomainError) as exc:
            raise CommandError(str(exc)) from exc
        if report.reused:
            self.stdout.write(_("已存在，沿用：%(codes)s（如需重新生成请加 --force）")
                              % {"codes": "、".join(report.reused)})
        if report.loaded:
            rows = report.rows
            self.stdout.write(
                _("已生成 %(d)d 个区县、%(s)d 个街道乡镇、%(c)d 个社区村、%(g)d 个网格、"
                  "%(w)d 名网格员（生成 %(bt).1f 秒，写入 %(wt).1f 秒）")
                % {"d": rows.get("district", 0), "s": rows.get("street", 0),
                   "c": rows.get("community", 0), "g": rows.get("grid", 0),
                   "w": rows.get("gridworker", 0), "bt": report.build_seconds,
                   "wt": report.write_seconds})
        self.stdout.write(_("新建演示账号 %(u)d 个，新建部门 %(d)d 个")
                          % {"u": report.users_created, "d": report.departments_created})

    def _cases(self, n: int) -> None:
        from civicgrid.indicators.recompute import indicators_recompute

        report = demo_cases(n)
        if report is None:
            self.stdout.write(_("案件：已有 %(n)d 个，沿用") % {"n": Case.objects.count()})
        else:
            self.stdout.write(_("案件：") + report.summary_zh())
            # Indicators computed from cases (cases per 1,000 residents) read the new cases.
            indicators_recompute()

    def _info(self) -> None:
        counts = [m.objects.count() for m in (District, Street, Community, Grid, GridWorker)]
        if not counts[0]:
            self.stdout.write(_("尚未加载演示城市：请先运行 civicgrid demo load"))
        else:
            self.stdout.write(_("区域：%d 个区县、%d 个街道乡镇、%d 个社区村、%d 个网格、%d 名网格员")
                              % tuple(counts))
            self.stdout.write(_("街道、社区和网格的边界是在真实区界内按固定规则生成的演示数据，"
                                "并非真实边界。"))
        self.stdout.write("")
        self.stdout.write(_("打开：%s/") % BASE_URL)
        self.stdout.write(_("区域与网格：%s/territory/") % BASE_URL)
        self.stdout.write(_("管理后台：%s/admin/") % BASE_URL)
        if key := demo_open311_key():
            self.stdout.write(_("Open311 接口 %(url)s/open311/v2/discovery.json ，"
                                "演示 api_key（仅供演示）：%(key)s") % {"url": BASE_URL, "key": key})
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write("")
        self.stdout.write(_("演示账号（密码 %s 仅供演示，切勿用于正式环境）：") % DEMO_PASSWORD)
        rows = [[_("用户名"), _("角色"), _("辖区"), _("密码")]]
        rows += [[u.username, u.role, u.scope, u.password] for u in logins]
        self.stdout.write(table(rows))
