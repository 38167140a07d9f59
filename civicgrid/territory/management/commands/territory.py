"""`civicgrid territory <subcommand>`: import, validate, fuse, staffing, locate, resolve
(modules under territory/cli/)."""

from civicgrid.core.cli import SubcommandCommand


class Command(SubcommandCommand):
    help = "区域与网格管理 (territory and grids)"
    package = "civicgrid.territory.cli"
    subcommands = {
        "import": ("import_", "导入区县/街道/社区/网格边界或编码（GeoJSON、CSV），全部成功才写入"),
        "validate": ("validate", "检查网格：越界、重叠、缝隙、编码、面积异常"),
        "fuse": ("fuse", "多网融合：由多个源图层生成统一网格图层和对照表"),
        "staffing": ("staffing", "网格力量配置检查：一员一格、一员多格、多员一格"),
        "locate": ("locate", "坐标定位到网格、社区、街道、区县"),
        "resolve": ("resolve", "地址文本解析到社区/街道（地名库）"),
    }
