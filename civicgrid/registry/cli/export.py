"""`civicgrid registry export --ledger NAME --out FILE.xlsx`: the whole ledger, unmasked (the
shell user is trusted); the file imports back unchanged."""

from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.registry.exporting import ledger_export_file
from civicgrid.registry.ledgers import LEDGERS, ledger_named


def add_arguments(parser):
    parser.add_argument("--ledger", required=True, choices=list(LEDGERS), help=_("台账名称"))
    parser.add_argument("--out", required=True, help=_("输出文件（.xlsx）"))


def run(options, out) -> int:
    if not options["out"].lower().endswith(".xlsx"):
        out.write(_("输出文件应以 .xlsx 结尾") + "\n")
        return 2
    try:
        n = ledger_export_file(options["ledger"], options["out"])
    except (DomainError, OSError) as exc:
        out.write(getattr(exc, "message", None) or str(exc))
        out.write("\n")
        return 2
    out.write(_("已导出%(ledger)s %(n)d 条到 %(path)s")
              % {"ledger": ledger_named(options["ledger"]).title_zh, "n": n,
                 "path": options["out"]} + "\n")
    return 0
