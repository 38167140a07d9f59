"""`civicgrid evaluation <subcommand>`: rebuild (and check) the rollups.

Each subcommand lives in its own module under evaluation/management/cli/ with
`add_arguments(parser)` and `run(options, out) -> int` (the exit status)."""

import importlib

from django.core.management.base import BaseCommand, CommandError

SUBCOMMANDS = {
    "rebuild": ("rebuild", "从案件表重算考核统计汇总；--check 只比对并列出不一致的行"),
}


class Command(BaseCommand):
    help = "考核评价 (evaluation rollups)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    parser_class=type(parser))
        for name, (module, help_text) in SUBCOMMANDS.items():
            p = sub.add_parser(name, help=help_text, called_from_command_line=True)
            self._module(module).add_arguments(p)

    @staticmethod
    def _module(name):
        return importlib.import_module(f"civicgrid.evaluation.management.cli.{name}")

    def handle(self, *args, **options):
        module, _ = SUBCOMMANDS[options["subcommand"]]
        status = self._module(module).run(options, self.stdout)
        if status:
            raise CommandError(f"evaluation {options['subcommand']}: failed", returncode=status)
