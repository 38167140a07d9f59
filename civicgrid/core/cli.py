"""One management command with subcommands (`civicgrid territory validate`, `civicgrid cases
import`...). Each subcommand is a module with `add_arguments(parser)` and
`run(options, out) -> int` (the exit status); a command lists them and where they live."""

from __future__ import annotations

import importlib

from django.core.management.base import BaseCommand, CommandError


class SubcommandCommand(BaseCommand):
    # Set by each command: the package holding the subcommand modules, and
    # {subcommand: (module name, Chinese help text)}.
    package = ""
    subcommands: dict[str, tuple[str, str]] = {}

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    parser_class=type(parser))
        for name, (module, help_text) in self.subcommands.items():
            p = sub.add_parser(name, help=help_text, called_from_command_line=True)
            self._module(module).add_arguments(p)

    def _module(self, name: str):
        return importlib.import_module(f"{self.package}.{name}")

    def handle(self, *args, **options):
        name = options["subcommand"]
        status = self._module(self.subcommands[name][0]).run(options, self.stdout)
        if status:
            raise CommandError(f"{self.package.split('.')[1]} {name}: failed", returncode=status)
