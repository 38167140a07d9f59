"""`civicgrid categories load-default | import FILE [--dry-run] | export FILE`: the category
catalogue on the command line (the shell user is trusted like `civicgrid territory import`).

An import checks every row first and writes nothing unless all are valid; each bad row is
printed with its row number and reason. The export (.xlsx or .csv, Chinese headers) imports back
unchanged, so a city edits its catalogue in Excel: export, edit, import --dry-run, import."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.core.errors import DomainError
from civicgrid.dispatch.catalogue import DEFAULT_CSV, catalogue_load_default
from civicgrid.dispatch.services import catalogue_export_file, catalogue_import_file


class Command(BaseCommand):
    help = "问题分类目录：加载默认目录、从 Excel/CSV 导入、导出到 Excel/CSV"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        sub.add_parser("load-default", help=_("加载随系统提供的默认分类目录（按编码更新，可重复执行）"),
                       called_from_command_line=True)
        p = sub.add_parser("import", help=_("从 .xlsx 或 .csv 导入分类（全部正确才写入）"),
                           called_from_command_line=True)
        p.add_argument("file", help=_(".xlsx 或 .csv 文件，第一行为表头"))
        p.add_argument("--dry-run", action="store_true", help=_("只检查，不写入"))
        p = sub.add_parser("export", help=_("把分类目录导出为 .xlsx 或 .csv"),
                           called_from_command_line=True)
        p.add_argument("file", help=_("输出文件（.xlsx 或 .csv）"))

    def handle(self, *args, **options):
        command = options["subcommand"]
        try:
            if command == "load-default":
                n = catalogue_load_default()
                self.stdout.write(_("已加载默认分类目录 %(path)s：新增或修改 %(n)d 个分类")
                                  % {"path": DEFAULT_CSV.name, "n": n})
            elif command == "import":
                report = catalogue_import_file(options["file"], dry_run=options["dry_run"])
                self.stdout.write(report.text())
            else:
                n = catalogue_export_file(options["file"])
                self.stdout.write(_("已导出 %(n)d 个分类到 %(path)s") % {"n": n,
                                                                   "path": options["file"]})
        except DomainError as exc:
            for error in exc.details or []:
                self.stderr.write(str(error))
            self.stderr.write(exc.message.split("\n")[0])
            raise CommandError(f"categories {command}: failed", returncode=1) from exc
