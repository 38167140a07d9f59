"""`civicgrid indicators load-seeds [--file plans.json]`: write the seed plans (idempotent),
after checking, when the seed texts are at hand, that every citation is verbatim."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.indicators.seeds import citation_problems, seed_data, seeds_dir, seeds_load


def add_arguments(parser):
    parser.add_argument("--file", type=Path, default=None, help=_("规划数据文件（默认随程序提供的种子规划）"))


def run(options, out) -> int:
    path = options.get("file")
    directory = seeds_dir()
    if directory.is_dir():
        problems = citation_problems(seed_data(path), directory)
        if problems:
            out.write(_("引文与种子原文不符，未载入：") + "\n")
            for p in problems:
                out.write("  " + p + "\n")
            return 1
        out.write(_("已核对：全部引文均可在种子原文（%(dir)s）中逐字找到。") % {"dir": directory} + "\n")
    else:
        out.write(_("未找到种子原文目录 %(dir)s，跳过引文核对（可设置 CIVICGRID_SEEDS_DIR）。")
                  % {"dir": directory} + "\n")
    report = seeds_load(path)
    out.write(_("种子规划：%(p)d 个规划、%(i)d 项指标、%(t)d 个目标值、%(m)d 条数据；"
                "本次写入 %(w)d 行，删除 %(r)d 行") % {
        "p": report.plans, "i": report.indicators, "t": report.targets,
        "m": report.measurements, "w": report.written, "r": report.removed} + "\n")
    out.write("  " + "、".join(report.plan_codes) + "\n")
    return 0
