"""Cells of a ledger spreadsheet: how each kind of column is read (`parse`: the cell as Excel or
a CSV gives it → a Python value, or ValueError with a Chinese reason) and written (`format`).

What offices write is accepted: a choice as its value or its Chinese label (登记 / registered),
yes/no as 是/否 (and 1/0, √), dates as 2018-03-01, 2018/3/1, 2018年3月1日 or an Excel date,
lists separated by 、，; or new lines. The export writes labels, 是/否, dates and numbers, and
imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models.base import join_list, split_list

TRUE = {"1", "true", "yes", "y", "是", "有", "√", "已建", "已建立"}
FALSE = {"0", "false", "no", "n", "否", "无", "×", "未建", "未建立", ""}
TRAINING_SEPARATOR = "；"
TRAINING_FIELD_SEPARATOR = "|"
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class Column:
    """One column of a ledger file. `field` is the model field (or `crs`, `trainings`);
    `kind` one of: text, int, decimal, date, bool, choice, list, codes, ref, float, crs,
    trainings, area."""

    field: str
    header: str
    kind: str = "text"
    required: bool = False  # for a new row (the key column is always required)
    choices: type | None = None  # TextChoices for kind=choice
    ref: str = ""  # ledger name of the referenced row for kind=ref
    max_length: int | None = None  # filled from the model field when the spec is built
    places: int = 1  # decimal places for kind=decimal


def text(value) -> str:
    """A cell as trimmed text (Excel gives 3.0 for a typed 3; write it as 3)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    if re.fullmatch(r"\d{8}", raw):
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    match = _DATE_RE.match(raw)
    try:
        if not match:
            raise ValueError
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise ValueError(_("日期“%(v)s”无法识别，请写成 2018-03-01") % {"v": raw}) from None


def parse_decimal(value, places: int) -> Decimal | None:
    raw = text(value)
    if raw == "":
        return None
    try:
        number = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("“%(v)s”不是数字") % {"v": raw}) from None
    if not number.is_finite() or number < 0:
        raise ValueError(_("“%(v)s”应为不小于0的数字") % {"v": raw})
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise ValueError(_("“%(v)s”最多保留%(n)d位小数") % {"v": raw, "n": places})
    return number.quantize(step)


def parse_int(value) -> int | None:
    raw = text(value)
    if raw == "":
        return None
    if not raw.isdigit():
        raise ValueError(_("“%(v)s”应为不小于0的整数") % {"v": raw})
    return int(raw)


def parse_float(value) -> float | None:
    raw = text(value)
    if raw == "":
        return None
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(_("“%(v)s”不是数字") % {"v": raw}) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("“%(v)s”不是数字") % {"v": raw})
    return number


def parse_bool(value) -> bool:
    raw = text(value).lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ValueError(_("只能填“是”或“否”，不能是“%(v)s”") % {"v": text(value)})


def parse_choice(value, choices) -> str:
    raw = text(value)
    for v, label in choices.choices:
        if raw.lower() == v.lower() or raw == str(label):
            return v
    allowed = "、".join(str(label) for _v, label in choices.choices)
    raise ValueError(_("“%(v)s”不是可选值，可选：%(allowed)s") % {"v": raw, "allowed": allowed})


def parse_trainings(value) -> list[tuple[dt.date, str, Decimal]]:
    """'2018-03-01|社区治理实务|16；2018-05-10|个案工作|8' → [(date, course, hours), ...]."""
    out = []
    for entry in re.split(r"[；;\n]+", text(value)):
        entry = entry.strip()
        if not entry:
            continue
        parts = [p.strip() for p in re.split(r"[|｜]", entry)]
        if len(parts) != 3 or not parts[1]:
            raise ValueError(_("培训记录“%(v)s”应写成“日期|课程|学时”，多条用“；”分隔")
                             % {"v": entry})
        day = parse_date(parts[0])
        hours = parse_decimal(parts[2], 1)
        if day is None or hours is None or hours <= 0:
            raise ValueError(_("培训记录“%(v)s”缺少日期或学时") % {"v": entry})
        if len(parts[1]) > 120:
            raise ValueError(_("培训课程名称最长120字"))
        out.append((day, parts[1], hours))
    return out


def format_trainings(records) -> str:
    return TRAINING_SEPARATOR.join(
        f"{r.date:%Y-%m-%d}{TRAINING_FIELD_SEPARATOR}{r.course}{TRAINING_FIELD_SEPARATOR}"
        f"{_number(r.hours)}" for r in records)


def _number(value: Decimal | None):
    """A Decimal for a spreadsheet cell: an int when whole, else a float (Excel has no
    decimals); None stays empty."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def parse(column: Column, value):
    """The cell of `column` as the Python value to store (raises ValueError with a reason)."""
    kind = column.kind
    if kind == "date":
        return parse_date(value)
    if kind == "decimal":
        return parse_decimal(value, column.places)
    if kind == "int":
        return parse_int(value)
    if kind == "float":
        return parse_float(value)
    if kind == "bool":
        return parse_bool(value)
    if kind == "choice":
        return parse_choice(value, column.choices) if text(value) else None
    if kind == "list":
        return join_list(split_list(text(value)))
    if kind == "codes":
        return split_list(text(value))
    if kind == "trainings":
        return parse_trainings(value)
    raw = text(value)
    if column.max_length and len(raw) > column.max_length:
        raise ValueError(_("最长%(n)d个字，实际%(got)d个字") % {"n": column.max_length,
                                                              "got": len(raw)})
    return raw


def format_value(column: Column, value):
    """A stored value as its spreadsheet cell."""
    kind = column.kind
    if value is None:
        return ""
    if kind == "bool":
        return "是" if value else "否"
    if kind == "choice":
        labels = {v: str(label) for v, label in column.choices.choices}
        return labels.get(value, value)
    if kind == "decimal":
        return _number(value)
    if kind == "date":
        return value  # openpyxl writes a date cell; CSV writes 2018-03-01
    if kind == "codes":
        return join_list(value)
    return value
