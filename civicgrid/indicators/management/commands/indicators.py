"""`civicgrid indicators <subcommand>`: evaluate a plan at a date, load the seed plans,
recompute the computed indicators, export a plan's evaluation to Excel."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "目标与指标：评估、载入种子规划、重新计算、导出"
    package = "civicgrid.indicators.management.cli"
    subcommands = {
        "evaluate": ("evaluate", "按日期评估规划：已完成 / 达到中期要求 / 滞后 / 不具备评估条件"),
        "load-seeds": ("load_seeds", "载入种子规划（规划、指标、目标值和种子文件中的数据），可重复运行"),
        "recompute": ("recompute", "重新计算由台账或案件计算的指标，写入指标数据"),
        "export": ("export", "把规划的评估结果导出为 Excel"),
    }
