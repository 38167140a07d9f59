"""Cursor (keyset) pagination for case lists. A cursor is the sort key of the last row served
— (due, reported_at, id) or (reported_at, id) — base64url-encoded JSON, opaque to clients.
The next page is "rows after that key" in the same order, so rows inserted meanwhile never
shift a page (no row is served twice or skipped, as with OFFSET); a new row that sorts before
the cursor is simply not in the rest of this walk."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicgrid.core.errors import InvalidInput


def _bad() -> InvalidInput:
    return InvalidInput(_("分页游标无效或已过期，请从第一页重新查询。"), code="bad_cursor")


def encode(sort: str, row) -> str:
    """The cursor after `row` (a Case annotated with `due`) in `sort` order."""
    key = {"s": sort, "r": row.reported_at.isoformat(), "i": row.pk}
    if sort == "due":
        key["d"] = row.due.isoformat() if row.due else None
    raw = json.dumps(key, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, sort: str) -> dict:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        if not isinstance(key, dict) or key.get("s") != sort:
            raise ValueError
        parsed = {"r": dt.datetime.fromisoformat(key["r"]), "i": int(key["i"])}
        if sort == "due":
            parsed["d"] = dt.datetime.fromisoformat(key["d"]) if key["d"] else None
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise _bad() from None
    if any(v is not None and v.tzinfo is None for k, v in parsed.items() if k != "i"):
        raise _bad()
    return parsed


def after(qs: QuerySet, sort: str, cursor: str) -> QuerySet:
    """Rows of `qs` (annotated with `due`) that come after the cursor in `sort` order (the
    orders of civicgrid.cases.search.ordered)."""
    key = decode(cursor, sort)
    r, i = key["r"], key["i"]
    if sort == "new":
        return qs.filter(Q(reported_at__lt=r) | Q(reported_at=r, id__lt=i))
    later = Q(reported_at__gt=r) | Q(reported_at=r, id__gt=i)
    if sort == "old":
        return qs.filter(later)
    d = key["d"]
    if d is None:  # nulls last: only rows without a running deadline remain
        return qs.filter(Q(due__isnull=True) & later)
    return qs.filter(Q(due__gt=d) | Q(due=d) & later | Q(due__isnull=True))
