"""Bulk import of cases: `import_file(path, ...)` (the `civicgrid cases import` command) and
`import_batches(batches, ...)` (generated workloads, the intake benchmark).

Per chunk of rows, all vectorised: check every row (bulk_validate) → skip client keys already in
the database (idempotent, reported) → locate, resolve addresses, classify, route, step deadlines
and case numbers (bulk_enrich, the batch forms of the online intake) → case rows, history event
rows and reporter rows as tuples (bulk_rows) → executemany / COPY (bulk_write) → the chunk's
evaluation rollup rows, added to the stored ones (evaluation.rollups_rebuild.RollupAdder).

The whole file is ONE transaction: a failure anywhere leaves nothing written, and `dry_run`
runs every step, writes included (so unique keys and constraints are checked too), and rolls
back. Rejected rows go to the error file with their row number and reason and are not imported;
the rest are. Memory stays flat: only one chunk is held at a time.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.evaluation.rollups_rebuild import KINDS, RollupAdder

from . import bulk_read
from .bulk_columns import FIELD_OF_HEADER, size, take
from .bulk_enrich import Enricher
from .bulk_rows import case_rows, event_rows, reporter_rows
from .bulk_validate import validate
from .bulk_write import CASE_COLUMNS, EVENT_COLUMNS, REPORTER_COLUMNS, Writer, existing_keys
from .models import Case, CaseEvent, Reporter

CHUNK = 50_000


@dataclass
class ImportReport:
    rows: int = 0  # rows read
    imported: int = 0
    rejected: int = 0
    skipped: int = 0  # client key already there
    events: int = 0
    reporters: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cases_per_s(self) -> float:
        return self.imported / self.seconds if self.seconds else 0.0

    def summary_zh(self) -> str:
        head = _("试运行（未写入）：") if self.dry_run else ""
        return head + _("读取 %(rows)d 行，导入 %(ok)d 个案件（流转记录 %(ev)d 条，报告人 %(rp)d 条），"
                        "拒绝 %(bad)d 行，幂等键已存在跳过 %(skip)d 行；用时 %(s).1f 秒（%(rate)s 件/秒）"
                        ) % {"rows": self.rows, "ok": self.imported, "ev": self.events,
                             "rp": self.reporters, "bad": self.rejected, "skip": self.skipped,
                             "s": self.seconds, "rate": f"{self.cases_per_s:,.0f}"}


class ErrorSink:
    """The error file: one CSV line per rejected or skipped row — row number, reason, then the
    row's own values, so the file can be corrected and imported again."""

    def __init__(self, path: str | Path | None, fields: list[str]):
        self.fields = [f for f in fields if f]
        self.count = 0
        self._f = open(path, "w", encoding="utf-8-sig", newline="") if path else None  # noqa: SIM115
        if self._f:
            self._w = csv.writer(self._f)
            self._w.writerow([_("行号"), _("原因"), *self.fields])

    def add(self, row: int, reason: str, raw: dict | None = None) -> None:
        self.count += 1
        if self._f:
            raw = raw or {}
            self._w.writerow([row, reason, *("" if raw.get(f) is None else raw.get(f)
                                             for f in self.fields)])

    def close(self) -> None:
        if self._f:
            self._f.close()


class Progress:
    """`已处理 120,000 / 2,000,000 行（48,000 行/秒）` on stderr, redrawn at most twice a second."""

    def __init__(self, total: int | None, stream=None):
        self.total, self.stream = total, stream or sys.stderr
        self.t0 = self.last = time.perf_counter()

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        rate = done / max(now - self.t0, 1e-9)
        of = f" / {self.total:,}" if self.total else ""
        self.stream.write("\r" + _("已处理 %(done)s%(of)s 行（%(rate)s 行/秒）") % {
            "done": f"{done:,}", "of": of, "rate": f"{rate:,.0f}"})
        self.stream.flush()

    def close(self, done: int) -> None:
        self.update(done, force=True)
        self.stream.write("\n")


def _tick(timings: dict, name: str, t0: float) -> float:
    t = time.perf_counter()
    timings[name] = timings.get(name, 0.0) + t - t0
    return t


def import_batches(batches: Iterable[tuple[dict, list]], *, crs: str = "wgs84",
                   dry_run: bool = False, errors: ErrorSink | None = None,
                   progress: Progress | None = None, expected_rows: int | None = None,
                   now: dt.datetime | None = None) -> ImportReport:
    """Import (typed batch, rejected rows) pairs in one transaction (see the module doc)."""
    report = ImportReport(dry_run=dry_run)
    errors = errors or ErrorSink(None, [])
    now = now or timezone.now()
    now64 = np.datetime64(int(now.timestamp()), "s")
    t_start = time.perf_counter()
    tm = report.timings
    with _foreign_keys_checked_by_us(), transaction.atomic():
        writer = Writer()
        enricher = Enricher(crs=crs)
        rollups = RollupAdder()
        writer.begin(expected_rows)
        now_str = writer_now = None
        for b, rejects in batches:
            t = time.perf_counter()
            report.rows += size(b) + len(rejects)
            for row, reason, raw in rejects:
                errors.add(row, reason, raw)
            report.rejected += len(rejects)
            reasons = validate(b, now=now)
            bad = np.flatnonzero(reasons != "")
            for i in bad.tolist():
                errors.add(int(b["row"][i]), reasons[i], b.get("_raw", {}).get(i))
            report.rejected += len(bad)
            if len(bad):
                b = take(b, reasons == "")
            b = _skip_existing(b, errors, report)
            t = _tick(tm, "validate", t)
            if size(b):
                writer_now = writer_now or now
                now_str = now_str or _now_str(writer_now, writer.time_suffix)
                _import_chunk(b, enricher, writer, rollups, report, now64, now_str, tm, t)
            if progress:
                progress.update(report.rows)
        t = time.perf_counter()
        writer.finish()
        t = _tick(tm, "indexes", t)
        rollups.finish()
        t_commit = _tick(tm, "rollups", t)
        if dry_run:
            transaction.set_rollback(True)
    _tick(tm, "commit", t_commit)  # the commit (and on SQLite the WAL checkpoint it runs)
    report.seconds = time.perf_counter() - t_start
    if progress:
        progress.close(report.rows)
    return report


@contextlib.contextmanager
def _foreign_keys_checked_by_us():
    """SQLite checks a foreign key per inserted row; the pipeline only writes ids it has just
    read inside the same write-locked transaction (categories, departments) or reserved itself
    (cases), so for a top-level import the per-row checks are switched off — the PRAGMA only
    works outside a transaction — and back on afterwards. Inside an outer transaction (tests,
    callers) they stay on."""
    from django.db import connection

    off = connection.vendor == "sqlite" and not connection.in_atomic_block \
        and connection.disable_constraint_checking()
    try:
        yield
    finally:
        if off:
            connection.enable_constraint_checking()


def _now_str(now: dt.datetime, suffix: str) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S") + suffix


def _skip_existing(b: dict, errors: ErrorSink, report: ImportReport) -> dict:
    keys = b["client_key"]
    has = np.flatnonzero(keys != None)  # noqa: E711 - elementwise on an object array
    if not has.size:
        return b
    key_list = keys[has].tolist()
    # The same key twice in one chunk: the first row counts (later chunks see it in the DB).
    _u, first, which = np.unique(np.asarray(key_list, dtype=str), return_index=True,
                                 return_inverse=True)
    dup_in_chunk = np.ones(len(has), bool)
    dup_in_chunk[first] = False
    found = existing_keys(key_list)
    in_db = (np.fromiter((k in found for k in key_list), bool, len(key_list)) if found
             else np.zeros(len(key_list), bool))
    drop_at = np.flatnonzero(in_db | dup_in_chunk)
    if not drop_at.size:
        return b
    rows = b["row"][has]
    first_row = rows[first][which.ravel()]  # per key position: the row that keeps the key
    for j in drop_at.tolist():  # only the skipped rows are visited
        key = key_list[j]
        if in_db[j]:
            errors.add(int(rows[j]), _("幂等键“%(k)s”已存在（案件 %(n)s），已跳过") % {
                "k": key, "n": found[key]})
        else:
            errors.add(int(rows[j]), _("幂等键“%(k)s”与第 %(r)d 行重复，已跳过") % {
                "k": key, "r": int(first_row[j])})
    drop = np.zeros(len(keys), bool)
    drop[has[drop_at]] = True
    report.skipped += len(drop_at)
    return take(b, ~drop)


def _import_chunk(b, enricher: Enricher, writer: Writer, rollups: RollupAdder,
                  report: ImportReport, now64, now_str, tm, t) -> None:
    from .bulk_columns import stage_of

    enricher.locate(b)
    t = _tick(tm, "locate", t)
    enricher.classify(b)
    t = _tick(tm, "classify", t)
    enricher.route(b)
    t = _tick(tm, "route", t)
    enricher.deadlines(b, dispatched=stage_of(b["state"]) >= 2)
    t = _tick(tm, "deadlines", t)
    enricher.numbers(b)
    t = _tick(tm, "numbers", t)
    n, suffix = size(b), writer.time_suffix
    case_ids = writer.reserve_ids(Case, n)
    rows = case_rows(b, case_ids, enricher.streams(b), now=now_str, suffix=suffix)
    t = _tick(tm, "case_rows", t)
    writer.write(Case, CASE_COLUMNS, rows)
    t = _tick(tm, "write_cases", t)
    del rows
    events = event_rows(b, case_ids, lambda m: writer.reserve_ids(CaseEvent, m), now=now64,
                        wall_clock=enricher.wall_clock(b), suffix=suffix)
    t = _tick(tm, "event_rows", t)
    report.events += writer.write(CaseEvent, EVENT_COLUMNS, events)
    t = _tick(tm, "write_events", t)
    reporters = reporter_rows(b, case_ids, lambda m: writer.reserve_ids(Reporter, m),
                              suffix=suffix)
    report.reporters += writer.write(Reporter, REPORTER_COLUMNS, reporters)
    t = _tick(tm, "reporters", t)
    # The evaluation rollups move in the same transaction, so rankings never see half an
    # import; the rows come from the chunk's own columns, not from reading the cases back.
    rollups.add(rollup_columns(b))
    _tick(tm, "rollups", t)
    report.imported += n


def rollup_columns(b: dict) -> dict[str, np.ndarray]:
    """The enriched chunk's cases encoded as the rollup rebuild reads them from the case table
    (rollups_rebuild.COLS): times as UTC epoch seconds (-1 = none), codes as '1' + code as an
    integer, the handling department (set at dispatch, as in case_rows) likewise, 0 = none."""
    from .bulk_columns import stage_of

    c = {"state": b["state"], "rating": b["rating"], "solved": b["solved"],
         "category_id": np.maximum(b["category_id"], 0)}
    for f in ("reported_at", "dispatched_at", "accepted_at", "reported_back_at",
              "handle_deadline"):
        t = np.asarray(b[f], "datetime64[s]")
        c[f] = np.where(np.isnat(t), -1, t.astype(np.int64))
    for f in ("rework_count", "extension_count", "return_count", "reopen_count",
              "supervise_count"):
        c[f] = b[f]
    for kind in KINDS[:4]:
        c[kind] = _prefixed(b[f"{kind}_code"].astype(str))
    dept = np.where(stage_of(b["state"]) >= 2, b["route_department_id"], -1)
    c[KINDS[4]] = np.where(dept > 0, _prefixed(dept.astype(str)), 0)
    return c


def _prefixed(codes: np.ndarray) -> np.ndarray:
    """'1' + code as an integer (1 for the empty code), each distinct code converted once.
    Area codes and ids are digits (territory checks them on import)."""
    uniq, inverse = np.unique(codes, return_inverse=True)
    return np.array([int("1" + u) if u.isdigit() else 1 for u in uniq.tolist()],
                    dtype=np.int64)[inverse.ravel()]


def import_file(path: str | Path, *, fmt: str | None = None, crs: str = "wgs84",
                dry_run: bool = False, errors_path: str | Path | None = None,
                progress: bool = True, chunk_size: int = CHUNK) -> ImportReport:
    """Import a CSV / JSON Lines / Excel file of cases (columns: bulk_columns.HEADERS)."""
    from civicgrid.core.errors import InvalidInput
    from civicgrid.dispatch.models import Category

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(_("文件不存在：%(p)s") % {"p": path})
    fmt = bulk_read.detect_format(path, fmt)
    header, records = bulk_read.read_records(path, fmt)
    parser = bulk_read.Parser(dict(Category.objects.filter(active=True)
                                   .values_list("code", "id")))
    errors = ErrorSink(errors_path, header)

    def batches():
        for chunk in bulk_read.chunks(records, chunk_size):
            b, rejects = parser.parse(chunk)
            raw_by_row = {number: raw for number, raw in chunk}
            b["_raw"] = _RawLookup(b["row"], raw_by_row)
            yield b, rejects

    try:
        total = bulk_read.count_rows(path, fmt)
        return import_batches(batches(), crs=crs, dry_run=dry_run, errors=errors,
                              progress=Progress(total) if progress else None,
                              expected_rows=total)
    finally:
        errors.close()


class _RawLookup:
    """Batch column "_raw": row index → the record as read (for the error file). It travels
    with the batch but is not an array, so take() keeps it whole by reference."""

    def __init__(self, rows: np.ndarray, raw_by_row: dict[int, dict]):
        self.rows, self.raw_by_row = rows, raw_by_row

    def get(self, i: int) -> dict | None:
        return self.raw_by_row.get(int(self.rows[i]))

    def __getitem__(self, index):
        return _RawLookup(self.rows[index], self.raw_by_row)


__all__ = ["CHUNK", "ErrorSink", "ImportReport", "Progress", "import_batches", "import_file",
           "FIELD_OF_HEADER"]
