"""`civicgrid registry import --ledger NAME FILE [--dry-run]`: all rows or none; each bad row is
printed with its row number and reason, and the exit status is 1."""

from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.registry.ledgers import LEDGERS
from civicgrid.registry.services import ledger_import_file


def add_arguments(parser):
    parser.add_argument("--ledger", required=True, choices=list(LEDGERS),
                        help=_("台账名称"))
    parser.add_argument("file", help=_(".xlsx 或 .csv 文件，第一行为表头"))
    parser.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))


def run(options, out) -> int:
    try:
        report = ledger_import_file(options["ledger"], options["file"],
                                    dry_run=options["dry_run"])
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 1
    out.write(report.text() + "\n")
    return 0
