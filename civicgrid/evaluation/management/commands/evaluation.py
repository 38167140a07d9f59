"""`civicgrid evaluation <subcommand>`: rebuild (and check) the rollups."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "考核评价 (evaluation rollups)"
    package = "civicgrid.evaluation.management.cli"
    subcommands = {
        "rebuild": ("rebuild", "从案件表重算考核统计汇总；--check 只比对并列出不一致的行"),
    }
