"""`civicgrid ranking --kind street --month 2026-10 [--xlsx FILE] [--load-weights]`: a month's
ranking from the rollups, printed as a table (rank, movement, composite, the three rates with
their counts) or written to an Excel file with the definitions and weights."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.core.errors import DomainError
from civicgrid.evaluation.export import rankings_workbook
from civicgrid.evaluation.ranking import (
    RANKED_KINDS,
    kind_label,
    month_bounds,
    rankings,
    weights_load_default,
)

SHOWN = ("response_rate", "resolution_rate", "satisfaction_rate")


def _month(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as e:
        raise CommandError(f"--month 应为 YYYY-MM（如 2026-10），收到 {text!r}") from e


class Command(BaseCommand):
    help = "月度排名：按综合得分排列街道、部门、社区或网格员（读汇总表）"

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=[*RANKED_KINDS, "grid", "district"],
                            default="street", help="单位类型（默认 street）")
        parser.add_argument("--month", help="月份 YYYY-MM（默认本月）")
        parser.add_argument("--unrated", choices=["exclude", "satisfied", "unsatisfied"],
                            default=None, help="未评价的已结案案件如何计入（默认按设置）")
        parser.add_argument("--xlsx", metavar="FILE", help="写入 Excel 文件而不打印")
        parser.add_argument("--load-weights", action="store_true",
                            help="先把示例权重写入权重表（已有的不覆盖）")

    def handle(self, *args, kind, month, unrated, xlsx, load_weights, **options):
        if load_weights:
            self.stderr.write(f"示例权重：新建 {weights_load_default()} 条")
        day = _month(month)
        try:
            rows = rankings(unit_kind=kind, month=day, unrated=unrated or "exclude")
        except DomainError as e:
            raise CommandError(e.message) from e
        if xlsx:
            with open(xlsx, "wb") as f:
                f.write(rankings_workbook([(kind, rows)], period=month_bounds(day),
                                          unrated=unrated or "exclude"))
            self.stdout.write(f"{kind_label(kind)}排名 {day:%Y-%m}：{len(rows)} 个单位 → {xlsx}")
            return
        self.stdout.write(f"{kind_label(kind)}排名 {day:%Y-%m}（{len(rows)} 个单位）")
        for r in rows:
            rates = "  ".join(
                f"{v.percent:>6} ({v.numerator:g}/{v.denominator:g})"
                for v in (r.metrics[c] for c in SHOWN))
            score = "—" if r.composite is None else f"{r.composite:6.2f}"
            self.stdout.write(f"{r.rank or '—':>4} {r.movement_label:>4} {score:>6}  "
                              f"{r.unit_name[:20]:<20} {rates}")
