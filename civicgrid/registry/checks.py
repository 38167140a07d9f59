"""Checking the rows of a ledger file before anything is written.

`check_records(ledger, records, actor=...)` reads every (row number, {header: cell}) record,
checks each cell, each row as a whole (its place exists in the territory, is deep enough, lies
inside the actor's scope; dates in order; references found; personal data not masked), and the
file as a whole (no key twice). It returns the clean rows and *every* problem with its row
number; the services write nothing unless the list of problems is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicgrid.core import permissions
from civicgrid.core.geo import CRS, to_wgs84
from civicgrid.territory.models import Community, District, Street

from .columns import Column, parse, text
from .ledgers import LEDGERS, LEVELS, Ledger
from .models import HubLevel, split_list

AREA_FIELDS = ("district_code", "street_code", "community_code")
CRS_NAMES = {"wgs84": CRS.WGS84, "gcj02": CRS.GCJ02, "bd09": CRS.BD09, "gps": CRS.WGS84,
             "火星坐标": CRS.GCJ02, "国测局": CRS.GCJ02, "百度": CRS.BD09}
CHINA = (73.0, 136.0, 3.0, 54.0)  # lon min/max, lat min/max: anything else is a typo
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
PHONE_RE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")


@dataclass(frozen=True)
class RowError:
    line: int  # row number in the file (the header is row 1)
    message: str

    def __str__(self) -> str:
        return _("第%(line)d行：%(message)s") % {"line": self.line, "message": self.message}


@dataclass
class CleanRow:
    line: int
    key: str
    values: dict = field(default_factory=dict)  # model field -> value (columns present only)
    m2m: dict = field(default_factory=dict)  # m2m field -> [codes]
    trainings: list | None = None  # [(date, course, hours)] when the column is present


def id_number_ok(value: str) -> bool:
    """An 18-character resident ID number with a valid check character (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == value[17]


def parse_crs(value) -> CRS:
    raw = text(value).lower().replace("-", "").replace("_", "").replace(" ", "")
    if not raw:
        return CRS.WGS84
    if raw in CRS_NAMES:
        return CRS_NAMES[raw]
    raise ValueError(_("坐标系“%(v)s”无法识别，可选：WGS84、GCJ-02、BD-09") % {"v": text(value)})


class _Territory:
    """The codes of the territory the file mentions, fetched once per file."""

    def __init__(self, codes: set[str]):
        by_len = {n: {c for c in codes if len(c) == n} for n in (6, 9, 12)}
        self.known = set()
        for model, n in ((District, 6), (Street, 9), (Community, 12)):
            if by_len[n]:
                self.known |= set(model.objects.filter(code__in=by_len[n])
                                  .values_list("code", flat=True))

    def exists(self, code: str) -> bool:
        return code in self.known


def _area(ledger: Ledger, raw: dict, territory: _Territory) -> tuple[dict, list[str]]:
    """The row's three codes from the deepest one given; problems when they disagree, do not
    exist or are not deep enough."""
    given = {f: text(raw[f]) for f in AREA_FIELDS if f in raw}
    problems = []
    deepest = ""
    for f in reversed(AREA_FIELDS):
        if given.get(f):
            deepest = given[f]
            break
    codes = {"district_code": deepest[:6], "street_code": deepest[:9] if len(deepest) >= 9
             else "", "community_code": deepest if len(deepest) == 12 else ""}
    labels = {"district_code": _("区县编码"), "street_code": _("街道编码"),
              "community_code": _("社区编码")}
    for f, n in zip(AREA_FIELDS, (6, 9, 12), strict=True):
        value = given.get(f, "")
        if value and (len(value) != n or not value.isdigit()):
            problems.append(_("%(col)s“%(v)s”应为%(n)d位数字") % {"col": labels[f], "v": value,
                                                              "n": n})
        elif value and value != codes[f]:
            problems.append(_("%(col)s“%(v)s”与更下级的编码“%(deep)s”不一致")
                            % {"col": labels[f], "v": value, "deep": deepest})
    if problems:
        return codes, problems
    if deepest and not territory.exists(deepest):
        problems.append(_("区域编码“%(code)s”在区域数据中不存在，请核对或先导入区域")
                        % {"code": deepest})
    need = LEVELS.get(ledger.min_level, 0)
    if len(deepest) < need:
        problems.append(_("本台账每行至少要填写到%(level)s一级（%(col)s）")
                        % {"level": {6: _("区县"), 9: _("街道"), 12: _("社区")}[need],
                           "col": labels[{6: "district_code", 9: "street_code",
                                          12: "community_code"}[need]]})
    return codes, problems


def _field_problems(model, values: dict) -> list[str]:
    """The model fields' own checks (lengths, ranges, digits) on the parsed values."""
    problems = []
    for name, value in values.items():
        f = model._meta.get_field(name)
        if f.is_relation or value is None:
            continue
        try:
            f.run_validators(value)
        except ValidationError as exc:
            problems.extend(f"{f.verbose_name}：{m}" for m in exc.messages)
    return problems


def _personal(ledger: Ledger, values: dict) -> list[str]:
    problems = []
    if "id_number" in values and values["id_number"]:
        value = values["id_number"] = values["id_number"].upper()
        if "*" in value:
            problems.append(_("身份证号“%(v)s”是遮挡后的值：请用能查看完整个人信息的账号导出后再修改"
                              "导入") % {"v": value})
        elif not id_number_ok(value):
            problems.append(_("身份证号“%(v)s”不是有效的18位身份证号（校验位不符）") % {"v": value})
    if "phone" in values and values["phone"]:
        value = values["phone"]
        if "*" in value:
            problems.append(_("手机号“%(v)s”是遮挡后的值：请用能查看完整个人信息的账号导出后再修改"
                              "导入") % {"v": value})
        elif not PHONE_RE.match(value):
            problems.append(_("手机号“%(v)s”格式不对") % {"v": value})
    return problems


def _coordinates(values: dict, crs) -> list[str]:
    lon, lat = values.get("lon"), values.get("lat")
    if (lon is None) != (lat is None):
        return [_("经度和纬度要么都填，要么都不填")]
    if lon is None:
        return []
    if not (CHINA[0] <= lon <= CHINA[1] and CHINA[2] <= lat <= CHINA[3]):
        return [_("坐标（%(lon)s, %(lat)s）不在中国境内：请检查经纬度是否填反") % {"lon": lon,
                                                                     "lat": lat}]
    if crs is not CRS.WGS84:
        x, y = to_wgs84(lon, lat, crs)
        values["lon"], values["lat"] = round(float(x), 7), round(float(y), 7)
    return []


def _row_rules(ledger: Ledger, values: dict, area: dict) -> list[str]:
    problems = []
    start, end = values.get("valid_from"), values.get("valid_to")
    if start and end and end < start:
        problems.append(_("终止日期早于起始日期"))
    level = values.get("hub_level")
    if level == HubLevel.DISTRICT and area is not None and not area["district_code"]:
        problems.append(_("区级枢纽型组织须填写区县编码"))
    if level == HubLevel.STREET and area is not None and not area["street_code"]:
        problems.append(_("街道枢纽型组织须填写街道编码"))
    return problems


def check_records(ledger: Ledger, records: list[tuple[int, dict]], *, actor=None,
                  action: str = "registry.import") -> tuple[list[CleanRow], list[RowError]]:
    """Check every record of a file for `ledger`. `actor` None: the trusted command line (no
    scope check); otherwise every row must lie inside the actor's scope for `action`, both
    where it is now and where the file puts it."""
    errors: list[RowError] = []
    rows: list[CleanRow] = []
    mapped = []
    for line, record in records:
        raw = {}
        for header, value in record.items():
            column = ledger.column_for(str(header or ""))
            if column is not None:
                raw[column.field] = value
        mapped.append((line, raw))
    headers = {c.field for _line, raw in mapped for c in ledger.columns if c.field in raw}
    if mapped and ledger.key not in headers:
        return [], [RowError(1, _("缺少“%(col)s”列：每行靠它找到要新增或更新的记录")
                             % {"col": ledger.key_column.header})]
    keys = [text(raw.get(ledger.key)) for _line, raw in mapped]
    existing = _existing(ledger, [k for k in keys if k])
    mentioned = {text(raw.get(f)) for _line, raw in mapped for f in AREA_FIELDS if raw.get(f)}
    for c in ledger.columns:
        if c.kind == "codes":  # communities served
            mentioned |= {code for _line, raw in mapped
                          for code in split_list(text(raw.get(c.field)))}
    territory = _Territory(mentioned)
    refs = _references(ledger, mapped)
    first_line: dict[str, int] = {}
    for (line, raw), key in zip(mapped, keys, strict=True):
        row, problems = _check_row(ledger, line, raw, key, existing.get(key), territory, refs,
                                   actor, action)
        if key and key in first_line:
            problems.append(_("%(col)s“%(key)s”与第%(other)d行重复")
                            % {"col": ledger.key_column.header, "key": key,
                               "other": first_line[key]})
        elif key:
            first_line[key] = line
        errors.extend(RowError(line, p) for p in problems)
        if not problems:
            rows.append(row)
    return rows, errors


def _existing(ledger: Ledger, keys: list[str]) -> dict:
    out = {}
    for i in range(0, len(keys), 5000):
        chunk = keys[i:i + 5000]
        out.update({getattr(o, ledger.key): o for o in
                    ledger.model.objects.filter(**{f"{ledger.key}__in": chunk})})
    return out


def _references(ledger: Ledger, mapped) -> dict[str, dict[str, int]]:
    """{field: {code: id}} for the ref columns (a station's code, a lane chief's code)."""
    out = {}
    for c in ledger.columns:
        if c.kind != "ref":
            continue
        codes = {text(raw.get(c.field)) for _line, raw in mapped if text(raw.get(c.field))}
        model = LEDGERS[c.ref].model
        out[c.field] = dict(model.objects.filter(code__in=codes).values_list("code", "id"))
    return out


def _check_row(ledger: Ledger, line: int, raw: dict, key: str, current, territory, refs,
               actor, action) -> tuple[CleanRow, list[str]]:
    problems: list[str] = []
    row = CleanRow(line=line, key=key)
    is_new = current is None
    if not key:
        problems.append(_("缺少%(col)s") % {"col": ledger.key_column.header})
    for column in ledger.columns:
        if column.field not in raw or column.kind in ("area", "crs"):
            continue
        value = raw[column.field]
        if column.required and not text(value):
            problems.append(_("缺少必填项“%(col)s”") % {"col": column.header})
            continue
        try:
            parsed = parse(column, value)
        except ValueError as exc:
            problems.append(f"{column.header}：{exc}")
            continue
        _store(ledger, column, parsed, row, refs, territory, problems)
    if is_new:
        for column in ledger.columns:
            if column.required and column.field not in raw and column.kind != "area":
                problems.append(_("新记录缺少必填项“%(col)s”") % {"col": column.header})
    area, area_problems = None, []
    if any(f in raw for f in AREA_FIELDS) or is_new:
        area, area_problems = _area(ledger, raw, territory)
        problems.extend(area_problems)
        row.values.update(area)
    elif current is not None:
        area = {f: getattr(current, f) for f in AREA_FIELDS}
    if "lon" in raw or "lat" in raw:
        try:
            crs = parse_crs(raw.get("crs"))
        except ValueError as exc:
            problems.append(str(exc))
        else:
            problems.extend(_coordinates(row.values, crs))
    problems.extend(_personal(ledger, row.values))
    problems.extend(_row_rules(ledger, {**_current_values(current), **row.values}, area))
    problems.extend(_field_problems(ledger.model, {k: v for k, v in row.values.items()
                                                   if k not in AREA_FIELDS}))
    if actor is not None and key and not area_problems:
        # Checked even when the row has other problems, so one round of fixes is enough.
        problems.extend(_scope(actor, action, current, row.values))
    return row, problems


def _current_values(current) -> dict:
    if current is None:
        return {}
    return {f: getattr(current, f, None) for f in ("valid_from", "valid_to", "hub_level")}


def _store(ledger: Ledger, column: Column, parsed, row: CleanRow, refs, territory,
           problems) -> None:
    model = ledger.model
    if column.kind == "trainings":
        row.trainings = parsed
    elif column.kind == "codes":
        unknown = [c for c in parsed if len(c) != 12 or not territory.exists(c)]
        if unknown:
            problems.append(_("%(col)s中的“%(codes)s”不是区域数据中的社区编码")
                            % {"col": column.header, "codes": "、".join(unknown)})
        row.m2m[column.field] = parsed
    elif column.kind == "ref":
        code = parsed
        if code and code not in refs[column.field]:
            problems.append(_("%(col)s“%(code)s”不存在：请先导入“%(ledger)s”台账")
                            % {"col": column.header, "code": code,
                               "ledger": LEDGERS[column.ref].title_zh})
        row.values[f"{column.field}_id"] = refs[column.field].get(code) if code else None
    else:
        f = model._meta.get_field(column.field)
        if parsed is None and not f.null:
            parsed = f.to_python(f.get_default())
        row.values[column.field] = parsed


def _scope(actor, action: str, current, values: dict) -> list[str]:
    new_area = next((values[f] for f in reversed(AREA_FIELDS) if values.get(f)), None)
    places = [] if current is None else [current.area_code]
    places.append(new_area if new_area is not None else
                  (current.area_code if current is not None else ""))
    for place in places:
        if not permissions.may(actor, action, SimpleNamespace(area_code=place)):
            return [_("这一行属于“%(area)s”，不在您的管辖范围内，不能导入或修改")
                    % {"area": place or _("全市")}]
    return []
