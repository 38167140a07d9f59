"""`civicgrid api <subcommand>`: API tokens (modules under api/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "接口管理 (API tokens)"
    package = "civicgrid.api.cli"
    subcommands = {
        "token": ("token", "接口令牌：create 创建（只显示一次密钥）、list 列出、revoke 吊销"),
    }
