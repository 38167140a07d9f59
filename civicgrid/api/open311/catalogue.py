"""Services and service definitions from the category catalogue (civicgrid.dispatch).

Every active leaf category is a service: service_code = category code, group = its stream,
keywords = its keywords. The attributes of a service come from data/service_attributes.json
(sets of attributes per category-code prefix, the most specific prefix wins), so the catalogue
the city edits needs no Open311 fields; `metadata` is true when a service has attributes.
This module also checks the answers a client sends for those attributes."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.dispatch.models import Category
from civicgrid.dispatch.selectors import category_by_code, leaf_categories

from .errors import bad_request
from .params import parse_datetime

DATA = Path(__file__).resolve().parent / "data" / "service_attributes.json"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_STRING, MAX_TEXT = 255, 2000


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    variable: bool = True
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()

    def value_name(self, key: str) -> str:
        return dict(self.values).get(key, key)


@dataclass(frozen=True)
class Service:
    category: Category
    attributes: tuple[Attribute, ...]

    @property
    def code(self) -> str:
        return self.category.code

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)


@lru_cache(maxsize=1)
def _data() -> dict:
    with DATA.open(encoding="utf-8") as f:
        data = json.load(f)
    for name, attrs in data["sets"].items():
        for a in attrs:
            if a["datatype"] not in DATATYPES:
                raise ValueError(f"{DATA.name}: set {name}: unknown datatype {a['datatype']}")
    return data


def changeset() -> str:
    return _data()["changeset"]


def _prefix_entry(table: dict, code: str):
    for n in range(len(code), -1, -1):
        if code[:n] in table:
            return table[code[:n]]
    return None


@lru_cache(maxsize=512)
def attributes_for(code: str) -> tuple[Attribute, ...]:
    """The attributes of service `code`: its sets in order, each code once, ordered 1, 2..."""
    data = _data()
    out: list[Attribute] = []
    seen: set[str] = set()
    for set_name in _prefix_entry(data["services"], code) or []:
        for a in data["sets"][set_name]:
            if a["code"] in seen:
                continue
            seen.add(a["code"])
            out.append(Attribute(
                code=a["code"], datatype=a["datatype"], required=bool(a.get("required")),
                description=a["description"], order=len(out) + 1,
                variable=a.get("variable", True),
                datatype_description=a.get("datatype_description", ""),
                values=tuple((str(k), str(n)) for k, n in a.get("values", []))))
    return tuple(out)


def is_private(category_code: str | None) -> bool:
    """Requests about people and homes (social service, social management, administrative
    service) and uncategorised ones: public GETs show their status, not what or where."""
    if not category_code:
        return True
    return any(category_code.startswith(p) for p in _data()["private_prefixes"])


def services() -> list[Service]:
    return [Service(c, attributes_for(c.code)) for c in leaf_categories()]


def service(code: str) -> Service | None:
    """The service `code`, or None when no active leaf category has that code."""
    category = category_by_code((code or "").strip())
    if category is None or not category.active or category.children.exists():
        return None
    return Service(category, attributes_for(category.code))


def keywords(category: Category) -> str:
    from civicgrid.dispatch.catalogue import KEYWORD_SPLIT

    return ", ".join(k for k in KEYWORD_SPLIT.split(category.keywords or "") if k)


# --- answers ----------------------------------------------------------------------------------

def _one(attr: Attribute, values: list[str]) -> str:
    if len(values) > 1:
        raise ValueError(_("只能填一个值"))
    return values[0]


def _clean(attr: Attribute, values: list[str]):
    """The stored value of one attribute's answer; ValueError with the reason when bad."""
    if attr.datatype == "multivaluelist":
        keys = {k for k, _n in attr.values}
        bad = [v for v in values if v not in keys]
        if bad:
            raise ValueError(_("不是可选项：%(v)s") % {"v": "、".join(bad)})
        return list(dict.fromkeys(values))
    value = _one(attr, values)
    if attr.datatype == "singlevaluelist":
        if value not in {k for k, _n in attr.values}:
            raise ValueError(_("不是可选项：%(v)s") % {"v": value})
        return value
    if attr.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError(_("应为数字")) from None
        if not math.isfinite(number):
            raise ValueError(_("应为数字"))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if attr.datatype == "datetime":
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(_("应为 ISO 8601 时间，如 2026-11-22T08:30:00+08:00"))
        return parsed.isoformat()
    limit = MAX_TEXT if attr.datatype == "text" else MAX_STRING
    if len(value) > limit:
        raise ValueError(_("最多%(n)d个字") % {"n": limit})
    # "string" is one line (spec); a client that sends a line break still means one line.
    return value if attr.datatype == "text" else " ".join(value.split())


def clean_answers(svc: Service, raw: dict[str, list[str]]) -> dict[str, object]:
    """The answers to `svc`'s attributes, checked: {code: value or list of keys}. Answers to
    codes the service does not define are ignored (some clients send extra ones); a missing
    required answer or a bad value is a 400 naming every problem."""
    answers: dict[str, object] = {}
    problems: list[str] = []
    for attr in svc.attributes:
        if not attr.variable:
            continue
        values = [v.strip() for v in raw.get(attr.code, []) if v and v.strip()]
        if not values:
            if attr.required:
                problems.append(_("缺少必填的附加信息 attribute[%(code)s]（%(d)s）。")
                                % {"code": attr.code, "d": attr.description})
            continue
        try:
            answers[attr.code] = _clean(attr, values)
        except ValueError as exc:
            problems.append(_("附加信息 attribute[%(code)s] 的值不正确：%(why)s。")
                            % {"code": attr.code, "why": exc})
    if problems:
        raise bad_request(*problems)
    return answers


def answer_rows(svc_code: str, answers: dict[str, object]) -> list[dict]:
    """The answers as the extension's attribute list: one row per value, with the question
    (label) and the chosen option's name."""
    rows = []
    for attr in attributes_for(svc_code):
        if attr.code not in answers:
            continue
        value = answers[attr.code]
        for v in value if isinstance(value, list) else [value]:
            rows.append({"code": attr.code, "label": attr.description, "value": v,
                         "name": attr.value_name(v) if attr.values else str(v)})
    return rows


def deadline_notice(category: Category) -> str:
    """service_notice: the handling time the city promises for this kind of problem."""
    from civicgrid.core.calendar import DeadlineUnit

    try:
        unit = str(DeadlineUnit(category.handle_unit).label)
    except ValueError:
        unit = category.handle_unit
    return _("本类问题的处置时限为%(n)s%(unit)s（自派遣起计算）。") % {
        "n": f"{category.handle_limit:g}", "unit": unit}
