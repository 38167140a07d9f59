"""The category catalogue as a table: the shipped default (data/categories.csv), and the rows of
an Excel or CSV file a city edits, checked before anything is written.

The default catalogue is inspired by GB/T 30428.2-2013《数字化城市管理信息系统 第2部分：管理部件和
事件》 (its component classes 公用设施, 道路交通, 市容环境, 园林绿化, 房屋土地, 其他设施 and event
classes 市容环境, 宣传广告, 施工管理, 突发事件, 街面秩序, 其他事件) and by the practice of Beijing's
12345 hotline (接诉即办: emergencies within the hour, feedback in 24 h / 7 days / 15 days, social
and administrative service requests). The codes (C0101, E0501, S0203...) are this project's
own, not the standard's: C components, E events, S social service, M social management, A
administrative service; two digits per level, so a parent's code is a prefix of its children's.

A file has one header row. Columns are the field names below or their Chinese headers (the
export writes the Chinese ones); choices may be written as the value (city_management) or the
label (城市管理). A column missing from the file leaves that field of existing categories as it
is. Every bad row is reported with its row number, and then nothing is written
(services.catalogue_import).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from civicgrid.core.calendar import DeadlineUnit

from .models import CategoryKind, Stream, UnitKind

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "categories.csv"

# field -> Chinese header (the export's header row; the import accepts either).
HEADERS = {
    "code": "分类编码", "name": "名称", "parent": "上级编码", "stream": "业务板块",
    "kind": "类型", "register_limit": "立案时限", "register_unit": "立案时限单位",
    "dispatch_limit": "派遣时限", "dispatch_unit": "派遣时限单位", "handle_limit": "处置时限",
    "handle_unit": "处置时限单位", "default_unit_kind": "默认处置单位类型",
    "duplicate_radius_m": "重复判定半径(米)", "duplicate_window_hours": "重复判定时间窗(小时)",
    "keywords": "关键词", "active": "启用", "sort_order": "排序",
}
FIELD_OF_HEADER = {**{f: f for f in HEADERS}, **{h: f for f, h in HEADERS.items()}}
REQUIRED = ("code", "name", "stream", "kind")  # for a new category; an existing one needs a code
LIMITS = ("register", "dispatch", "handle")
MAX_LIMIT = 1000.0  # more than 1000 hours or days is a typo, not a deadline
CHOICES = {
    "stream": Stream, "kind": CategoryKind, "default_unit_kind": UnitKind,
    "register_unit": DeadlineUnit, "dispatch_unit": DeadlineUnit, "handle_unit": DeadlineUnit,
}
CHOICE_NAMES = {"stream": "业务板块", "kind": "类型", "default_unit_kind": "默认处置单位类型",
                "register_unit": "时限单位", "dispatch_unit": "时限单位", "handle_unit": "时限单位"}
# What people write in a spreadsheet for the unit kinds (the routing targets' words).
ALIASES = {"default_unit_kind": {"部门": "department", "属地街道": "street", "街道": "street",
                                 "属地社区": "community", "社区": "community", "企业": "enterprise"}}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
KEYWORD_SPLIT = re.compile(r"[\s,，、;；|/]+")
TRUE, FALSE = {"1", "true", "yes", "y", "是", "启用", "√"}, {"0", "false", "no", "n", "否", "停用", ""}


def split_keywords(text: str) -> list[str]:
    """Keywords in their written order, without blanks or repeats."""
    seen: dict[str, None] = {}
    for word in KEYWORD_SPLIT.split(text or ""):
        if word:
            seen.setdefault(word, None)
    return list(seen)


def canonical_keywords(text: str) -> str:
    return " ".join(split_keywords(text))


@dataclass
class CategoryRow:
    line: int  # row number in the file (the header is row 1)
    code: str
    parent: str | None  # parent code, "" for a root, None when the file has no such column
    values: dict = field(default_factory=dict)  # model field -> value, only columns present


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("第%(line)d行：%(message)s") % {"line": self.line, "message": self.message}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value: str, choices) -> str | None:
    for v, label in choices.choices:
        if value in (v, str(label)) or value.lower() == v.lower():
            return v
    return None


def _check_row(line: int, raw: dict, is_new: bool) -> tuple[CategoryRow | None, list[str]]:
    problems: list[str] = []
    values: dict = {}
    code, parent = raw.get("code", ""), raw.get("parent")  # parent None: no such column
    for f in REQUIRED if is_new else ("code",):
        if not raw.get(f):
            problems.append(_("缺少必填项“%(col)s”") % {"col": HEADERS[f]})
    if code and not CODE_RE.match(code):
        problems.append(_("分类编码“%(code)s”只能由字母、数字、点、横线、下划线组成，最长32位")
                        % {"code": code})
    if parent and parent == code:
        problems.append(_("上级编码不能是自己"))
    if raw.get("name"):
        values["name"] = raw["name"][:100]
    for f, choices in CHOICES.items():
        if f not in raw or not raw[f]:
            continue
        value = _choice(raw[f], choices) or ALIASES.get(f, {}).get(raw[f])
        if value is None and raw[f]:
            allowed = "、".join(str(label) for _v, label in choices.choices)
            problems.append(_("未知的%(what)s“%(value)s”，可选：%(allowed)s")
                            % {"what": CHOICE_NAMES[f], "value": raw[f], "allowed": allowed})
        elif value is not None:
            values[f] = value
    for step in LIMITS:
        f = f"{step}_limit"
        if f not in raw or raw[f] == "":
            continue
        try:
            limit = float(raw[f])
        except ValueError:
            limit = None
        if limit is None or not 0 < limit <= MAX_LIMIT:
            problems.append(_("%(col)s“%(value)s”无效，应为大于0且不超过%(max)d的数字")
                            % {"col": HEADERS[f], "value": raw[f], "max": MAX_LIMIT})
        else:
            values[f] = limit
    for f in ("duplicate_radius_m", "duplicate_window_hours", "sort_order"):
        if f in raw and raw[f] != "":
            if raw[f].isdigit():
                values[f] = int(raw[f])
            else:
                problems.append(_("%(col)s“%(value)s”应为不小于0的整数")
                                % {"col": HEADERS[f], "value": raw[f]})
    if "keywords" in raw:
        values["keywords"] = canonical_keywords(raw["keywords"])
    if "active" in raw:
        flag = raw["active"].lower()
        if flag in TRUE or flag in FALSE:
            values["active"] = flag in TRUE
        else:
            problems.append(_("启用列只能填“是”或“否”，不能是“%(value)s”") % {"value": raw["active"]})
    if problems:
        return None, problems
    return CategoryRow(line=line, code=code, parent=parent, values=values), []


def check_rows(records: list[tuple[int, dict]], existing_parents: dict[str, str]
               ) -> tuple[list[CategoryRow], list[RowError]]:
    """Check (line, {column: value}) records against each other and the catalogue already
    stored (`existing_parents`: code -> parent code). Returns the rows parents first, and every
    error (all rows are checked, the first error does not stop the check)."""
    rows: list[CategoryRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        raw = {FIELD_OF_HEADER[k.strip()]: _text(v) for k, v in record.items()
               if k and k.strip() in FIELD_OF_HEADER}
        code = raw.get("code", "")
        row, problems = _check_row(line, raw, is_new=code not in existing_parents)
        if code and code in first_line:
            problems.append(_("分类编码“%(code)s”与第%(other)d行重复")
                            % {"code": code, "other": first_line[code]})
        elif code:
            first_line[code] = line
        errors.extend(RowError(line, p) for p in problems)
        if row is not None and not problems:
            rows.append(row)
    parents = dict(existing_parents)
    for r in rows:
        if r.parent is not None:
            parents[r.code] = r.parent
        else:
            parents.setdefault(r.code, "")
    known = set(parents) | set(first_line)
    good: list[CategoryRow] = []
    for row in rows:
        if row.parent and row.parent not in known:
            errors.append(RowError(row.line, _("上级编码“%(parent)s”不存在：请先在文件或分类目录中"
                                               "添加该上级分类") % {"parent": row.parent}))
        elif _in_cycle(row.code, parents):
            errors.append(RowError(row.line, _("分类“%(code)s”的上级关系形成循环")
                                   % {"code": row.code}))
        else:
            good.append(row)
    errors.sort(key=lambda e: e.line)
    return _parents_first(good, parents), errors


def _in_cycle(code: str, parents: dict[str, str]) -> bool:
    seen = {code}
    node = parents.get(code, "")
    while node:
        if node in seen:
            return True
        seen.add(node)
        node = parents.get(node, "")
    return False


def _parents_first(rows: list[CategoryRow], parents: dict[str, str]) -> list[CategoryRow]:
    def depth(code: str) -> int:
        n = 0
        while parents.get(code):
            code, n = parents[code], n + 1
        return n

    return sorted(rows, key=lambda r: (depth(r.code), r.line))


# --- files ---------------------------------------------------------------------------------------

def read_records(path: str | Path) -> list[tuple[int, dict]]:
    """(row number, {header: value}) for every non-blank row of a .csv or .xlsx file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            return [(line, row) for line, row in enumerate(reader, start=2)
                    if any(_text(v) for v in row.values())]
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(h) for h in next(rows, ())]
        return [(line, dict(zip(header, values, strict=False)))
                for line, values in enumerate(rows, start=2)
                if any(_text(v) for v in values)]
    raise ValueError(_("只支持 .xlsx 或 .csv 文件，不支持“%(suffix)s”") % {"suffix": suffix})


def export_rows(categories) -> tuple[list[str], list[list]]:
    """The Chinese header and one row per category (choice labels in Chinese); select the
    categories with select_related("parent")."""
    header = list(HEADERS.values())
    labels = {f: {v: str(label) for v, label in choices.choices} for f, choices in CHOICES.items()}
    out = []
    for c in categories:
        row = []
        for f in HEADERS:
            if f == "parent":
                value = c.parent.code if c.parent_id else ""
            elif f == "active":
                value = "是" if c.active else "否"
            else:
                value = getattr(c, f)
                value = labels[f].get(value, value) if f in labels else value
            row.append(value)
        out.append(row)
    return header, out


def write_file(path: str | Path, header: list[str], rows: list[list]) -> None:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        return
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("问题分类"))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


def catalogue_load_default() -> int:
    """Load the shipped catalogue (upsert by code, nothing deleted). Returns how many categories
    were created or changed: 0 when the database already holds it."""
    from .services import catalogue_apply

    report = catalogue_apply(read_records(DEFAULT_CSV))
    return report.created + report.updated
