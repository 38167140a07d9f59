"""`civicgrid registry <subcommand>`: import, export, compute (modules under registry/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "台账：Excel 导入导出、计算指标 (ledgers)"
    package = "civicgrid.registry.cli"
    subcommands = {
        "import": ("import_", "从 .xlsx 或 .csv 导入一个台账（全部正确才写入，逐行报告错误）"),
        "export": ("export", "把一个台账导出为 .xlsx（可原样导回）"),
        "compute": ("compute", "由台账、案件和地图计算指标"),
    }
