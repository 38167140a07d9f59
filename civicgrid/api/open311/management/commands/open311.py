"""`civicgrid open311 <subcommand>`: Open311 clients' api_keys (modules under open311/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "Open311 接口"
    package = "civicgrid.api.open311.cli"
    subcommands = {
        "key": ("key", "api_key：create 创建（只显示一次）、list 列出"),
    }
