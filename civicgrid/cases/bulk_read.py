"""Streaming readers of import files (CSV, JSON Lines, Excel) and the parser of their rows into
typed batches (bulk_columns.py). Nothing holds the whole file: rows come in chunks.

Row numbers are what a person sees: in CSV and Excel the header is row 1 and the first case row
2; in JSON Lines the line number (1 = first line)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from civicgrid.core.errors import InvalidInput

from .bulk_columns import (
    CHANNELS,
    COUNT_FIELDS,
    FALSE,
    FIELD_OF_HEADER,
    FILE_FIELDS,
    HEADERS,
    RATINGS,
    STATES,
    TEXT_FIELDS,
    TIME_FIELDS,
    TRUE,
    empty,
)
from .bulk_validate import TIME_LABELS
from .models import Channel

FORMATS = ("csv", "jsonl", "xlsx")
REQUIRED = ("description", "reported_at")
Record = tuple[int, dict]  # (row number, {field or header: value})


def detect_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    fmt = {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl",
           "xlsx": "xlsx"}.get(suffix)
    if fmt is None:
        raise InvalidInput(_("无法从扩展名判断文件格式，请用 --format 指定 csv、jsonl 或 xlsx"))
    return fmt


def count_rows(path: Path, fmt: str) -> int | None:
    """Rows to expect (for the progress bar): lines for CSV/JSONL, the sheet size for Excel."""
    if fmt == "xlsx":
        return None
    lines = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - (1 if fmt == "csv" else 0), 0)


def read_records(path: Path, fmt: str) -> tuple[list[str], Iterator[Record]]:
    """(the file's column names, an iterator of (row number, raw dict))."""
    if fmt == "csv":
        return _csv(path)
    if fmt == "jsonl":
        return list(FILE_FIELDS), _jsonl(path)
    if fmt == "xlsx":
        return _xlsx(path)
    raise InvalidInput(_("不支持的文件格式：%(f)s（可用 csv、jsonl、xlsx）") % {"f": fmt})


def _check_header(header: list[str]) -> None:
    fields = {FIELD_OF_HEADER.get((h or "").strip()) for h in header}
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise InvalidInput(_("文件缺少必需的列：%(cols)s（第一行须为列名）") % {
            "cols": "、".join(missing)})


def _csv(path: Path):
    f = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the generator
    reader = csv.reader(f)
    header = next(reader, None) or []
    _check_header(header)

    def rows():
        with f:
            for i, values in enumerate(reader, start=2):
                if any(v.strip() for v in values):
                    yield i, dict(zip(header, values, strict=False))

    return header, rows()


def _jsonl(path: Path):
    with open(path, encoding="utf-8-sig") as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            if not isinstance(record, dict):
                yield i, {"__error__": _("这一行不是有效的 JSON 对象")}
                continue
            yield i, record


def _xlsx(path: Path):
    try:
        import openpyxl
    except ImportError:
        raise InvalidInput(_("读取 Excel 需要 openpyxl（随 django-import-export[xlsx] 安装）；"
                             "也可以把表格另存为 CSV 再导入")) from None
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(it, ())]
    _check_header(header)

    def rows():
        try:
            for i, values in enumerate(it, start=2):
                if any(v not in (None, "") for v in values):
                    yield i, dict(zip(header, values, strict=False))
        finally:
            wb.close()

    return header, rows()


def chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- parsing ---------------------------------------------------------------------------------

class RowError(ValueError):
    pass


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


class Parser:
    """Raw records → a typed batch and the rejected rows [(row, reason, record)]."""

    def __init__(self, category_ids: dict[str, int]):
        self.category_ids = category_ids  # code -> id (active categories)
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def _time(self, value, label: str):
        if isinstance(value, dt.datetime):
            t = value
        else:
            s = _text(value)
            if not s:
                return None
            try:
                t = dt.datetime.fromisoformat(s.replace("/", "-"))
            except ValueError:
                raise RowError(_("%(f)s“%(v)s”不是有效的日期时间（如 2025-03-01 08:15）")
                               % {"f": label, "v": s}) from None
        if t.tzinfo is None:
            t = t.replace(tzinfo=self.tz)
        return int(t.timestamp())

    def _number(self, value, label: str, kind=float):
        s = _text(value)
        if not s:
            return None
        try:
            x = kind(float(s)) if kind is int else float(s)
        except ValueError:
            raise RowError(_("%(f)s“%(v)s”不是数字") % {"f": label, "v": s}) from None
        if kind is float and not math.isfinite(x):
            raise RowError(_("%(f)s“%(v)s”不是有限的数字") % {"f": label, "v": s})
        return x

    def _choice(self, value, choices: dict, label: str, default: str = "") -> str:
        s = _text(value)
        if not s:
            return default
        if s not in choices:
            raise RowError(_("%(f)s“%(v)s”无效") % {"f": label, "v": s})
        return choices[s]

    def parse(self, records: list[Record]) -> tuple[dict, list[tuple[int, str, dict]]]:
        rows, rejects = [], []
        for number, raw in records:
            if "__error__" in raw:
                rejects.append((number, raw["__error__"], {}))
                continue
            rec = {FIELD_OF_HEADER[k.strip()]: v for k, v in raw.items()
                   if isinstance(k, str) and k.strip() in FIELD_OF_HEADER}
            try:
                rows.append((number, self._row(rec)))
            except RowError as exc:
                rejects.append((number, str(exc), raw))
        b = empty(len(rows))
        for j, (number, row) in enumerate(rows):
            b["row"][j] = number
            for key, value in row.items():
                b[key][j] = value
        return b, rejects

    def _row(self, rec: dict) -> dict:
        out: dict = {}
        for f in TEXT_FIELDS:
            out[f] = _text(rec.get(f))
        out["client_key"] = out["client_key"] or None
        out["channel"] = self._choice(rec.get("channel"), CHANNELS, _("来源渠道"),
                                      Channel.IMPORT.value)
        out["state"] = self._choice(rec.get("state"), STATES, _("状态"), "reported")
        out["rating"] = self._choice(rec.get("rating"), RATINGS, _("评价"))
        code = _text(rec.get("category"))
        if code:
            if code not in self.category_ids:
                raise RowError(_("问题分类编码“%(c)s”不存在或已停用") % {"c": code})
            out["category_id"] = self.category_ids[code]
        for f in TIME_FIELDS:
            t = self._time(rec.get(f), _(TIME_LABELS[f]))
            out[f] = np.datetime64(t, "s") if t is not None else np.datetime64("NaT", "s")
        for f in ("lon", "lat"):
            x = self._number(rec.get(f), _("经度") if f == "lon" else _("纬度"))
            out[f] = np.nan if x is None else x
        for f in (*COUNT_FIELDS, "priority"):
            x = self._number(rec.get(f), HEADERS.get(f, f), int)
            out[f] = 0 if x is None else x
        solved = _text(rec.get("solved")).lower()
        if solved and solved not in TRUE | FALSE:
            raise RowError(_("是否解决只能填 是/否"))
        out["solved"] = -1 if not solved else int(solved in TRUE)
        review = _text(rec.get("review_date"))
        if review:
            try:
                out["review_date"] = np.datetime64(dt.date.fromisoformat(review[:10]), "D")
            except ValueError:
                raise RowError(_("挂账复核日期“%(v)s”不是有效日期") % {"v": review}) from None
        return out
