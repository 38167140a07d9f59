"""`civicgrid cases <subcommand>`: import, generate.

Each subcommand lives in its own module under cases/cli/ with `add_arguments(parser)` and
`run(options, out) -> int` (the exit status)."""

import importlib

from django.core.management.base import BaseCommand, CommandError

SUBCOMMANDS = {
    "import": ("import_", "批量导入案件（CSV、JSON Lines、Excel）：逐行校验，错误行写入错误文件，全部在一个事务中"),
    "generate": ("generate", "生成演示用的模拟案件（含办理过程），写入文件或直接导入"),
}


class Command(BaseCommand):
    help = "案件批量处理 (bulk case import and synthetic workload)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    parser_class=type(parser))
        for name, (module, help_text) in SUBCOMMANDS.items():
            p = sub.add_parser(name, help=help_text, called_from_command_line=True)
            self._module(module).add_arguments(p)

    @staticmethod
    def _module(name):
        return importlib.import_module(f"civicgrid.cases.cli.{name}")

    def handle(self, *args, **options):
        module, _ = SUBCOMMANDS[options["subcommand"]]
        status = self._module(module).run(options, self.stdout)
        if status:
            raise CommandError(f"cases {options['subcommand']}: failed", returncode=status)
