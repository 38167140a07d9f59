"""`civicgrid territory resolve "地址"`: the gazetteer's candidates for an address text.

Exit status 1 when nothing in the text names a known place."""

import json

from django.utils.translation import gettext as _

from civicgrid.core.codes import LEVEL_LABELS
from civicgrid.territory.gazetteer import get_gazetteer, is_confident


def add_arguments(parser):
    parser.add_argument("text", help=_("地址文本，如“北京市西城区月坛街道三里河一区社区3号楼”"))
    parser.add_argument("--limit", type=int, default=5, help=_("最多列出几个候选"))
    parser.add_argument("--json", action="store_true", help=_("输出JSON"))


def run(options, out) -> int:
    gazetteer = get_gazetteer(refresh=True)
    candidates = gazetteer.resolve(options["text"], limit=options["limit"])
    confident = is_confident(candidates)
    if options["json"]:
        out.write(json.dumps({"text": options["text"], "confident": confident,
                              "candidates": [c.as_json() for c in candidates]},
                             ensure_ascii=False, indent=2))
        return 0 if candidates else 1
    if not candidates:
        out.write(_("未识别出任何社区、街道或区县名称，请人工核对地址或补充地名别名。"))
        return 1
    for c in candidates:
        parents = "".join(gazetteer.name_of(code) for code in (c.district_code, c.street_code)
                          if code and code != c.code)
        out.write(_("%(confidence).2f  %(level)s  %(code)s  %(parents)s%(name)s") % {
            "confidence": c.confidence, "level": LEVEL_LABELS[c.level], "code": c.code,
            "parents": parents + " " if parents else "", "name": c.name})
        out.write("      " + c.reason_zh)
    if not confident:
        out.write(_("结果不确定：最可能的候选不够明确，请人工确认。"))
    return 0
