"""`civicgrid calendar update | show YEAR | deadline START AMOUNT UNIT`: the working calendar.

`update` rewrites civicgrid/core/data/cn_workcalendar.csv from the installed PyPI package
`chinesecalendar` (`pip install -U chinesecalendar` first): the package's years replace the
table's, rows of other years (a year the city added before the package had it) are kept.
scripts/derive_calendar.py calls the same functions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from itertools import groupby
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from civicgrid.core import calendar as wc

# The package's Chinese names are short (清明, 端午, 中秋); the State Council's notices use these.
OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}
WEEKDAYS = "一二三四五六日"


def derive_rows() -> dict[dt.date, tuple[str, str]]:
    """{date: (kind, Chinese name)} for every year the installed chinesecalendar knows."""
    try:
        from chinese_calendar import constants
    except ImportError as e:
        raise CommandError("需要 chinesecalendar：pip install -U chinesecalendar") from e
    chinese = {h.value: OFFICIAL_NAMES.get(h.chinese, h.chinese) for h in constants.Holiday}
    rows = {d: ("holiday", chinese[n]) for d, n in constants.holidays.items()}
    for d, n in constants.workdays.items():
        if d in rows:
            raise CommandError(f"chinesecalendar 把 {d} 同时列为假日和调休上班日")
        if d.weekday() < 5:  # a make-up day on a weekday would change nothing: a data error
            raise CommandError(f"chinesecalendar 的调休上班日 {d} 不是周末")
        rows[d] = ("workday", chinese[n])
    return rows


def merge(existing: dict, derived: dict) -> dict:
    """The package's years replace the table's; other years of the table are kept."""
    years = {d.year for d in derived}
    kept = {d: v for d, v in existing.items() if d.year not in years}
    return {**kept, **derived}


def table_text(rows: dict) -> str:
    """Sorted, `\\n` line ends: the same rows always give the same bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "kind", "name"])
    for d in sorted(rows):
        writer.writerow([d.isoformat(), *rows[d]])
    return out.getvalue()


def update_table(path: Path) -> tuple[dict, dict]:
    """Rewrite `path` from chinesecalendar; returns (old rows, new rows)."""
    old = wc.read_table(path) if path.exists() else {}
    new = merge(old, derive_rows())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table_text(new), encoding="utf-8")
    return old, new


def _day(d: dt.date) -> str:
    return f"{d.isoformat()}（周{WEEKDAYS[d.weekday()]}）"


class Command(BaseCommand):
    help = "工作日历：法定节假日与调休 (working calendar)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=type(parser))
        p = sub.add_parser("update", help="由已安装的 chinesecalendar 重新生成节假日表",
                           called_from_command_line=True)
        p.add_argument("--output", type=Path, default=wc.TABLE_PATH,
                       help="写入的 CSV（默认：随程序发布的表）")
        p = sub.add_parser("show", help="列出某年的节假日和调休上班日",
                           called_from_command_line=True)
        p.add_argument("year", type=int)
        p = sub.add_parser("deadline", help="计算时限，例如 deadline '2025-09-30 16:00' 3 "
                           "working_days", called_from_command_line=True)
        p.add_argument("start", help="开始时间 (ISO 8601)；不带时区时按本地时间")
        p.add_argument("amount", type=float)
        p.add_argument("unit", choices=wc.DeadlineUnit.values)

    def handle(self, *args, **options):
        return getattr(self, f"_{options['subcommand']}")(options)

    def _update(self, options):
        old, new = update_table(options["output"])
        years = sorted({d.year for d in new})
        changed = sorted({d.year for d in set(old) | set(new) if old.get(d) != new.get(d)})
        self.stdout.write(f"{options['output']}: {len(new)} 行，{years[0]}–{years[-1]} 年；"
                          f"有变化的年份：{', '.join(map(str, changed)) or '无'}")
        wc.get_calendar.cache_clear()

    def _show(self, options):
        cal, year = wc.get_calendar(), options["year"]
        entries = cal.entries(year)
        if not entries:
            raise CommandError(f"表中没有 {year} 年的安排，这一年只按周一至周五计算工作日。"
                               "国务院办公厅公布后请运行 civicgrid calendar update"
                               "（或写入 EXTRA_CALENDAR_CSV）。", returncode=1)
        holidays = [(d, n) for d, k, n in entries if k == "holiday"]
        # Consecutive days form one holiday period; its name joins the days' names (国庆节、中秋节).
        runs = groupby(enumerate(holidays), key=lambda x: x[1][0].toordinal() - x[0])
        for _key, group in runs:
            days = [item for _i, item in group]
            names = "、".join(dict.fromkeys(n for _d, n in days))
            self.stdout.write(f"放假  {names}：{_day(days[0][0])} 至 {_day(days[-1][0])}，"
                              f"共 {len(days)} 天")
        for d, k, n in entries:
            if k == "workday":
                self.stdout.write(f"上班  {_day(d)}（{n}调休）")
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        count = sum(cal.is_working_day(first + dt.timedelta(days=i))
                    for i in range((last - first).days + 1))
        self.stdout.write(f"{year} 年共 {count} 个工作日")

    def _deadline(self, options):
        cal = wc.get_calendar()
        start = dt.datetime.fromisoformat(options["start"])
        if start.tzinfo is None:
            start = start.replace(tzinfo=cal.tz)
        deadline = cal.add(start, options["amount"], options["unit"])
        self.stdout.write(deadline.isoformat(sep=" "))
