"""`civicgrid webhooks <subcommand>`: subscriptions, deliveries, replay, sweep
(modules under webhooks/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "事件推送 (webhooks)"
    package = "civicgrid.webhooks.cli"
    subcommands = {
        "subscribe": ("subscribe", "新建订阅（只显示一次签名密钥）"),
        "list": ("subscriptions", "列出订阅"),
        "deactivate": ("deactivate", "停用订阅"),
        "deliveries": ("deliveries", "列出推送记录"),
        "replay": ("replay", "重发推送：--delivery 编号 或 --since 时间"),
        "sweep": ("sweep", "补发崩溃遗漏的事件和中断的推送"),
    }
