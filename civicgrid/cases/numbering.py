"""Human case numbers: `XC-20261122-000123` = district prefix, local report date, daily sequence.

- The prefix is the district's `abbr` (西城区 → XC); "BJ" when the case lies in no district or the
  district has no abbreviation yet.
- The date is the report's calendar day in settings.TIME_ZONE (a case reported at 23:30 Beijing
  time on the 22nd is numbered on the 22nd, though it is the 22nd 15:30 UTC).
- The sequence counts per prefix and day from 1, six digits, and simply grows wider after
  999,999 (the number field holds 32 characters).

`reserve_numbers` hands out a block with one statement, an upsert that returns the new last
value: `INSERT ... ON CONFLICT (prefix, day) DO UPDATE SET last = last + n RETURNING last`. Both
SQLite (≥ 3.35; writers are serialised, and IMMEDIATE transactions take the lock at BEGIN) and
PostgreSQL (the conflicting row is locked until the transaction ends) run it atomically, so two
callers can never receive overlapping blocks, and a rolled-back transaction gives its block back.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import CaseNumberSequence

DEFAULT_PREFIX = "BJ"
SEQUENCE_WIDTH = 6


def prefix_for(district_code: str) -> str:
    """The number prefix of a district: its `abbr`, else DEFAULT_PREFIX."""
    from civicgrid.territory.models import District

    if not district_code:
        return DEFAULT_PREFIX
    abbr = District.objects.filter(code=district_code[:6]).values_list("abbr", flat=True).first()
    return (abbr or "").strip().upper() or DEFAULT_PREFIX


def local_day(at: dt.datetime) -> dt.date:
    """The calendar day of an aware instant in settings.TIME_ZONE."""
    if timezone.is_naive(at):
        raise ValueError("case numbers need an aware datetime")
    return at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def format_number(prefix: str, day: dt.date, seq: int) -> str:
    return f"{prefix}-{day:%Y%m%d}-{seq:0{SEQUENCE_WIDTH}d}"


def reserve_numbers(prefix: str, day: dt.date, n: int = 1) -> int:
    """Reserve `n` consecutive sequence values for (prefix, day); returns the first one."""
    if n < 1:
        raise ValueError("reserve at least one number")
    table = connection.ops.quote_name(CaseNumberSequence._meta.db_table)
    sql = (f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, %s) "
           f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + excluded.last "
           f"RETURNING last")
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, connection.ops.adapt_datefield_value(day), n])
        last = cursor.fetchone()[0]
    return int(last) - n + 1


def case_number(district_code: str, at: dt.datetime) -> str:
    """The next number for a case in `district_code` reported at `at` (aware)."""
    prefix, day = prefix_for(district_code), local_day(at)
    return format_number(prefix, day, reserve_numbers(prefix, day, 1))


def case_numbers(prefix: str, day: dt.date, n: int) -> list[str]:
    """`n` consecutive numbers for one prefix and day (bulk imports), reserved in one go."""
    first = reserve_numbers(prefix, day, n)
    return [format_number(prefix, day, seq) for seq in range(first, first + n)]
