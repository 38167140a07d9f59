"""`civicgrid cases <subcommand>`: import, generate (modules under cases/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "案件批量处理 (bulk case import and synthetic workload)"
    package = "civicgrid.cases.cli"
    subcommands = {
        "import": ("import_", "批量导入案件（CSV、JSON Lines、Excel）：逐行校验，错误行写入错误文件，"
                              "全部在一个事务中"),
        "generate": ("generate", "生成演示用的模拟案件（含办理过程），写入文件或直接导入"),
    }
