"""`civicgrid territory <subcommand>`: import, validate, fuse, staffing, locate, resolve.

Each subcommand lives in its own module under territory/cli/ with `add_arguments(parser)` and
`run(options, out) -> int` (the exit status)."""

import importlib

from django.core.management.base import BaseCommand, CommandError

SUBCOMMANDS = {
    "import": ("import_", "导入区县/街道/社区/网格边界或编码（GeoJSON、CSV），全部成功才写入"),
    "validate": ("validate", "检查网格：越界、重叠、缝隙、编码、面积异常"),
    "fuse": ("fuse", "多网融合：由多个源图层生成统一网格图层和对照表"),
    "staffing": ("staffing", "网格力量配置检查：一员一格、一员多格、多员一格"),
    "locate": ("locate", "坐标定位到网格、社区、街道、区县"),
    "resolve": ("resolve", "地址文本解析到社区/街道（地名库）"),
}


class Command(BaseCommand):
    help = "区域与网格管理 (territory and grids)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    parser_class=type(parser))
        for name, (module, help_text) in SUBCOMMANDS.items():
            p = sub.add_parser(name, help=help_text, called_from_command_line=True)
            self._module(module).add_arguments(p)

    @staticmethod
    def _module(name):
        return importlib.import_module(f"civicgrid.territory.cli.{name}")

    def handle(self, *args, **options):
        module, _ = SUBCOMMANDS[options["subcommand"]]
        status = self._module(module).run(options, self.stdout)
        if status:
            raise CommandError(f"territory {options['subcommand']}: failed", returncode=status)
