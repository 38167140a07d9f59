"""Administrative and grid codes.

The codes nest by prefix, which is what makes scoping cheap: a district has 6 digits
(110102 西城区), a street 9 (110102007 月坛街道), a community 12 (110102007006), a unit grid 15
(GB/T 30428.1: 6 district + 3 street + 3 community + 3 sequence) and a micro-grid 18 (grid + 3).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

LEVEL_LENGTHS = {"district": 6, "street": 9, "community": 12, "grid": 15, "microgrid": 18}
LEVEL_OF_LENGTH = {n: level for level, n in LEVEL_LENGTHS.items()}
LEVELS = tuple(LEVEL_LENGTHS)
_DIGITS = re.compile(r"^[0-9]+$")


def level_of(code: str) -> str | None:
    """'district' for a 6-digit code and so on; None when the length fits no level."""
    if not code or not _DIGITS.match(code):
        return None
    return LEVEL_OF_LENGTH.get(len(code))


def parent_code(code: str) -> str | None:
    level = level_of(code)
    if level is None or level == "district":
        return None
    return code[: LEVEL_LENGTHS[LEVELS[LEVELS.index(level) - 1]]]


def ancestor_codes(code: str) -> list[str]:
    """Codes of every ancestor, the district first; the code itself is not included."""
    level = level_of(code)
    if level is None:
        return []
    return [code[: LEVEL_LENGTHS[lv]] for lv in LEVELS[: LEVELS.index(level)]]


def code_error(code: str, level: str, parent: str | None = None) -> str | None:
    """Why `code` is not a valid code of `level` under `parent`, or None when it is."""
    want = LEVEL_LENGTHS[level]
    if not isinstance(code, str) or not _DIGITS.match(code or ""):
        return _("编码“%(code)s”必须全部是数字") % {"code": code}
    if len(code) != want:
        return _("%(level)s编码应为%(n)d位，实际为%(got)d位") % {
            "level": LEVEL_LABELS[level], "n": want, "got": len(code)}
    if level == "district" and code[:2] == "00":
        return _("区县编码“%(code)s”的省级前两位不能为00") % {"code": code}
    if level != "district" and code[len(code) - 3:] == "000":
        return _("编码“%(code)s”的末三位顺序号不能为000") % {"code": code}
    if parent is not None and not code.startswith(parent):
        return _("编码“%(code)s”与上级编码“%(parent)s”不一致") % {"code": code, "parent": parent}
    return None


def is_valid(code: str, level: str | None = None) -> bool:
    level = level or level_of(code)
    return level is not None and code_error(code, level) is None


LEVEL_LABELS = {"district": "区县", "street": "街道乡镇", "community": "社区村",
                "grid": "网格", "microgrid": "微网格"}
