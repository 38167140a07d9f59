"""`civicgrid cases generate --n N [--months 3] [--end YYYY-MM-DD] [--seed S]
[--district 110102 ...] [--out FILE.jsonl|.csv] [--no-history]`: synthetic cases for the demo
city (civicgrid.cases.generate). With --out the cases are written to a file that
`civicgrid cases import` reads back; without it they are imported at once through the bulk
pipeline, with their whole history (events consistent with the workflow and the deadlines).
Generated client keys are gen-<seed>-<n>, so running the same command twice adds nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _

from civicgrid.cases.bulk import Progress, import_batches
from civicgrid.cases.bulk_columns import FILE_FIELDS, TIME_FIELDS
from civicgrid.cases.generate import CHUNK, generate_cases
from civicgrid.core.errors import DomainError


def add_arguments(parser):
    parser.add_argument("--n", type=int, required=True, help=_("生成的案件数"))
    parser.add_argument("--months", type=int, default=3, help=_("覆盖最近几个月（默认 3）"))
    parser.add_argument("--end", help=_("截止日期 YYYY-MM-DD（默认今天；之后的办理尚未发生）"))
    parser.add_argument("--seed", type=int, default=1, help=_("随机种子：相同参数生成相同数据"))
    parser.add_argument("--district", action="append", help=_("只在这些区县生成（可重复）"))
    parser.add_argument("--out", help=_("写入文件（.jsonl 或 .csv）而不导入数据库"))
    parser.add_argument("--no-history", action="store_true",
                        help=_("只生成新上报的案件（待立案），不生成办理过程"))


def period(months: int, end: str | None) -> tuple[dt.date, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    end_day = dt.date.fromisoformat(end) if end else dt.datetime.now(tz).date()
    end_at = dt.datetime.combine(end_day, dt.time(0), tz)
    start = end_day - dt.timedelta(days=round(30.44 * max(months, 1)))
    return start, end_at


def run(options, out) -> int:
    n = options["n"]
    if n < 1:
        out.write(_("--n 至少为 1") + "\n")
        return 2
    start, end = period(options["months"], options.get("end"))
    try:
        chunks = generate_cases(n, start=start, end=end, seed=options["seed"],
                                district_codes=options.get("district"),
                                history=not options["no_history"], chunk_size=CHUNK)
        if options.get("out"):
            path = Path(options["out"])
            written = write_file(chunks, path)
            out.write(_("已生成 %(n)d 个案件（%(a)s 至 %(b)s），写入 %(p)s") % {
                "n": written, "a": start, "b": end.date(), "p": path} + "\n")
            return 0
        report = import_batches(((b, []) for b in chunks), progress=Progress(n),
                                expected_rows=n, now=end)
    except (DomainError, ValueError) as exc:
        out.write(getattr(exc, "message", str(exc)) + "\n")
        return 2
    out.write(report.summary_zh() + "\n")
    return 0


def _values(b: dict, catalogue_codes: dict[int, str]) -> list[list]:
    tz = ZoneInfo(settings.TIME_ZONE)
    cols = {}
    for f in TIME_FIELDS:
        t = b[f]
        cols[f] = [None if np.isnat(v) else dt.datetime.fromtimestamp(
            int(v.astype(np.int64)), tz).isoformat() for v in t]
    cols["category"] = [catalogue_codes.get(c, "") for c in b["category_id"].tolist()]
    cols["review_date"] = [None if np.isnat(v) else str(v) for v in b["review_date"]]
    cols["solved"] = [None if s < 0 else bool(s) for s in b["solved"].tolist()]
    for f in ("lon", "lat"):
        cols[f] = [None if np.isnan(v) else v for v in b[f].tolist()]
    rows = []
    for i in range(len(b["row"])):
        rows.append([cols[f][i] if f in cols else _plain(b[f][i]) for f in FILE_FIELDS])
    return rows


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v


def write_file(chunks, path: Path) -> int:
    """Write generated chunks as JSON Lines (.jsonl) or CSV (other suffixes); returns rows."""
    from civicgrid.dispatch.models import Category

    codes = dict(Category.objects.values_list("id", "code"))
    as_json = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
    count = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = None if as_json else csv.writer(f)
        if writer:
            writer.writerow(FILE_FIELDS)
        for b in chunks:
            for row in _values(b, codes):
                if as_json:
                    rec = {k: v for k, v in zip(FILE_FIELDS, row, strict=True)
                           if v not in (None, "")}
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                else:
                    writer.writerow(["" if v is None else v for v in row])
                count += 1
    return count
