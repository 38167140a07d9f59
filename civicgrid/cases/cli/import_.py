"""`civicgrid cases import FILE [--format csv|jsonl|xlsx] [--dry-run] [--errors errors.csv]
[--crs gcj02]`: import historical or new cases in one transaction (civicgrid.cases.bulk).

Exit status 0 when every row was imported or skipped as already there, 1 when some rows were
rejected (the others are imported; see the error file), 2 when nothing could be imported."""

from __future__ import annotations

from django.utils.translation import gettext as _

from civicgrid.cases.bulk import CHUNK, import_file
from civicgrid.core.errors import DomainError


def add_arguments(parser):
    parser.add_argument("file", help=_("要导入的文件：.csv、.jsonl 或 .xlsx（第一行为列名）"))
    parser.add_argument("--format", choices=("csv", "jsonl", "xlsx"),
                        help=_("文件格式（默认按扩展名判断）"))
    parser.add_argument("--dry-run", action="store_true",
                        help=_("试运行：完整执行校验、定位、派遣和写入，最后全部撤销"))
    parser.add_argument("--errors", help=_("被拒绝或跳过的行写入此 CSV 文件（行号、原因、原始内容）"))
    parser.add_argument("--crs", default="wgs84",
                        help=_("文件中坐标的坐标系：wgs84（默认）、gcj02、bd09"))
    parser.add_argument("--chunk", type=int, default=CHUNK, help=_("每批处理的行数"))
    parser.add_argument("--no-progress", action="store_true", help=_("不显示进度"))


def run(options, out) -> int:
    try:
        report = import_file(options["file"], fmt=options.get("format"), crs=options["crs"],
                             dry_run=options["dry_run"], errors_path=options.get("errors"),
                             progress=not options.get("no_progress"),
                             chunk_size=options.get("chunk") or CHUNK)
    except DomainError as exc:
        out.write(exc.message + "\n")
        return 2
    out.write(report.summary_zh() + "\n")
    if report.rejected and options.get("errors"):
        out.write(_("被拒绝的行及原因见：%(p)s") % {"p": options["errors"]} + "\n")
    elif report.rejected:
        out.write(_("加 --errors 文件名 可以得到每个被拒绝行的行号和原因") + "\n")
    return 1 if report.rejected else 0
