"""China's working calendar and deadline arithmetic (紧急工作时 / 工作时 / 工作日 / 自然日).

The calendar is the shipped table data/cn_workcalendar.csv (`date,kind,name`, kind = holiday |
workday), derived from PyPI `chinesecalendar` by `civicgrid calendar update`, plus the rows of
settings.CIVICGRID["EXTRA_CALENDAR_CSV"] (same columns; they win for their dates). A day is a
working day when it is Mon–Fri and not a holiday, or a listed make-up day (调休). Outside the
table's years only Mon–Fri count, and we log that once.

Units (docs/data-sources.md says the same for users):
- emergency_hours N: start + N hours; the clock always runs.
- working_hours N: N hours inside working hours (settings WORKING_HOURS) on working days.
- working_days N: the end of working hours of the N-th working day after the counting day: the
  start's day if it is a working day and the start is before closing time, else the next working
  day (Friday evening counts from Monday). N = 0: by closing time of the counting day.
- natural_days N: 24:00 of the N-th day after the start's day (民法典 第201条); holidays count.
"Working time" between two instants is wall-clock time for the first and last unit, time inside
working hours for the other two. Scalar methods walk day by day with datetimes; the `*_many`
methods use searchsorted over a precomputed timeline: two implementations the tests compare.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import InvalidInput

log = logging.getLogger(__name__)

TABLE_PATH = Path(__file__).resolve().parent / "data" / "cn_workcalendar.csv"
# The hours most Beijing government service halls post (上午 9:00–12:00, 下午 13:30–17:00); not
# a statute, so a city sets its own in settings.CIVICGRID["WORKING_HOURS"].
DEFAULT_WORKING_HOURS = (("09:00", "12:00"), ("13:30", "17:00"))
DEFAULT_YELLOW_SHARE = 0.2
LEVELS = ("normal", "yellow", "red")
# The vectorised timeline spans these years at least (about 37,000 days, a few hundred KB).
TIMELINE_YEARS = (2000, 2100)
DAY = 86_400
UTC = dt.UTC


class DeadlineUnit(models.TextChoices):
    emergency_hours = "emergency_hours", _("紧急工作时")
    working_hours = "working_hours", _("工作时")
    working_days = "working_days", _("工作日")
    natural_days = "natural_days", _("自然日")


WALL_CLOCK_UNITS = (DeadlineUnit.emergency_hours, DeadlineUnit.natural_days)


def read_table(path: Path | str) -> dict[dt.date, tuple[str, str]]:
    """{date: (kind, name)} from a `date,kind,name` CSV; a bad row names its line."""
    rows: dict[dt.date, tuple[str, str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                day = dt.date.fromisoformat(row["date"].strip())
                kind = row["kind"].strip()
            except (KeyError, AttributeError, ValueError) as e:
                raise ImproperlyConfigured(f"{path}:{line}: 需要 date,kind,name 三列 ({e})") from e
            if kind not in ("holiday", "workday"):
                raise ImproperlyConfigured(f"{path}:{line}: kind 只能是 holiday 或 workday")
            rows[day] = (kind, (row.get("name") or "").strip())
    return rows


def parse_hours(spec) -> tuple[tuple[int, int], ...]:
    """[["09:00","12:00"], ...] -> ((32400, 43200), ...), checked sorted and non-overlapping."""
    out, previous_end = [], 0
    for pair in spec:
        try:
            start, end = (dt.time.fromisoformat(p) for p in pair)
        except (TypeError, ValueError) as e:
            raise ImproperlyConfigured(f"WORKING_HOURS: 时间格式应为 HH:MM ({pair!r})") from e
        s, e_ = (t.hour * 3600 + t.minute * 60 + t.second for t in (start, end))
        if not previous_end <= s < e_:
            raise ImproperlyConfigured("WORKING_HOURS: 时段须按时间先后排列且互不重叠")
        out.append((s, e_))
        previous_end = e_
    if not out:
        raise ImproperlyConfigured("WORKING_HOURS: 至少需要一个时段")
    return tuple(out)


def _hour_seconds(amount) -> int:
    if amount < 0:
        raise InvalidInput(_g("时限不能为负数。"))
    return round(float(amount) * 3600)


def _whole_days(amount) -> int:
    if amount < 0 or int(amount) != amount:
        raise InvalidInput(_g("天数时限必须是非负整数。"))
    return int(amount)


class WorkingCalendar:
    def __init__(self, table: dict[dt.date, tuple[str, str]], *, hours=DEFAULT_WORKING_HOURS,
                 tz: str = "Asia/Shanghai", yellow_share: float = DEFAULT_YELLOW_SHARE):
        self.table = dict(table)
        self.hours = parse_hours(hours)
        self.tz = ZoneInfo(tz)
        self.yellow_share = float(yellow_share)
        years = sorted({d.year for d in self.table})
        self.years = range(years[0], years[-1] + 1) if years else range(0)
        self._warned = False
        self._build_timeline()

    @classmethod
    def from_settings(cls) -> WorkingCalendar:
        conf = getattr(settings, "CIVICGRID", {})
        table = read_table(TABLE_PATH)
        if conf.get("EXTRA_CALENDAR_CSV"):
            table.update(read_table(conf["EXTRA_CALENDAR_CSV"]))
        return cls(table, hours=conf.get("WORKING_HOURS") or DEFAULT_WORKING_HOURS,
                   tz=settings.TIME_ZONE,
                   yellow_share=conf.get("WARNING_YELLOW_SHARE", DEFAULT_YELLOW_SHARE))

    # --- days ------------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        entry = self.table.get(day)
        if entry:
            return entry[0] == "workday"
        if day.year not in self.years:
            self._warn_outside()
        return day.weekday() < 5

    def entries(self, year: int) -> list[tuple[dt.date, str, str]]:
        """The year's holidays and make-up working days, by date."""
        return sorted((d, k, n) for d, (k, n) in self.table.items() if d.year == year)

    def _warn_outside(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning("working calendar: a date lies outside the table's years %s-%s; only "
                        "Mon-Fri count there. Run `civicgrid calendar update` when the State "
                        "Council publishes the next schedule.", self.years.start,
                        self.years.stop - 1)

    def _at(self, day: dt.date, seconds: int) -> dt.datetime:
        """The instant `seconds` of local wall clock after `day`'s midnight, in UTC."""
        local = dt.datetime(day.year, day.month, day.day, tzinfo=self.tz)
        return (local + dt.timedelta(seconds=seconds)).astimezone(UTC)

    def _utc(self, t: dt.datetime) -> dt.datetime:
        if t.tzinfo is None or t.utcoffset() is None:
            raise InvalidInput(_g("时间必须带时区。"))
        return t.astimezone(UTC)

    def _day_of(self, t: dt.datetime) -> dt.date:
        return t.astimezone(self.tz).date()

    def _next_working_day(self, day: dt.date) -> dt.date:
        for _i in range(400):
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise InvalidInput(_g("日历中连续 400 天没有工作日，请检查节假日表。"))

    def _intervals(self, day: dt.date):
        if self.is_working_day(day):
            for s, e in self.hours:
                yield self._at(day, s), self._at(day, e)

    # --- scalar arithmetic -----------------------------------------------------------------
    def add(self, start: dt.datetime, amount, unit) -> dt.datetime:
        """The deadline `amount` `unit`s after `start` (aware), in the calendar's time zone."""
        unit = DeadlineUnit(unit)
        t = self._utc(start)
        if unit == DeadlineUnit.emergency_hours:
            result = t + dt.timedelta(seconds=_hour_seconds(amount))
        elif unit == DeadlineUnit.working_hours:
            result = self._add_working(t, dt.timedelta(seconds=_hour_seconds(amount)))
        elif unit == DeadlineUnit.natural_days:
            day = self._day_of(t) + dt.timedelta(days=_whole_days(amount) + 1)
            result = self._at(day, 0)
        else:
            n, day = _whole_days(amount), self._day_of(t)
            if not (self.is_working_day(day) and t < self._at(day, self.hours[-1][1])):
                day = self._next_working_day(day)
            for _i in range(n):
                day = self._next_working_day(day)
            result = self._at(day, self.hours[-1][1])
        return result.astimezone(self.tz)

    def _add_working(self, t: dt.datetime, remaining: dt.timedelta) -> dt.datetime:
        if not remaining:
            return t
        day = self._day_of(t)
        while True:
            for s, e in self._intervals(day):
                a = max(t, s)
                if a < e:
                    if remaining <= e - a:
                        return a + remaining
                    remaining -= e - a
            day += dt.timedelta(days=1)

    def extend(self, t: dt.datetime, elapsed: dt.timedelta, unit) -> dt.datetime:
        """`t` moved on by `elapsed` of `unit`'s working time: the inverse of
        working_time_between, used to push a deadline back by a paused span."""
        t = self._utc(t)
        if elapsed < dt.timedelta(0):
            raise InvalidInput(_g("时限不能为负数。"))
        if DeadlineUnit(unit) in WALL_CLOCK_UNITS:
            return (t + elapsed).astimezone(self.tz)
        return self._add_working(t, elapsed).astimezone(self.tz)

    def working_time_between(self, a: dt.datetime, b: dt.datetime, unit) -> dt.timedelta:
        """Time from `a` to `b` that counts for `unit` (negative when b < a)."""
        a, b = self._utc(a), self._utc(b)
        if DeadlineUnit(unit) in WALL_CLOCK_UNITS:
            return b - a
        if b < a:
            return -self.working_time_between(b, a, unit)
        total, day, last = dt.timedelta(0), self._day_of(a), self._day_of(b)
        while day <= last:
            for s, e in self._intervals(day):
                total += max(dt.timedelta(0), min(b, e) - max(a, s))
            day += dt.timedelta(days=1)
        return total

    def warning_level(self, now, start, deadline, unit=DeadlineUnit.working_hours, *,
                      yellow_share: float | None = None) -> str:
        """red: past the deadline; yellow: less than `yellow_share` of the allowed time left."""
        if self._utc(now) > self._utc(deadline):
            return "red"
        share = self.yellow_share if yellow_share is None else yellow_share
        allowed = self.working_time_between(start, deadline, unit).total_seconds()
        left = self.working_time_between(now, deadline, unit).total_seconds()
        return "yellow" if left < share * allowed else "normal"

    # --- vectorised timeline ---------------------------------------------------------------
    def _build_timeline(self) -> None:
        first = dt.date(min([TIMELINE_YEARS[0], *self.years[:1]]), 1, 1)
        last = dt.date(max([TIMELINE_YEARS[1], *self.years[-1:]]), 12, 31)
        n = (last - first).days + 1
        dnum = np.arange(n + 1, dtype=np.int64) + (first - dt.date(1970, 1, 1)).days
        working = ((dnum[:n] + 3) % 7) < 5  # 1970-01-01 was a Thursday
        for day, (kind, _name) in self.table.items():
            working[(day - first).days] = kind == "workday"
        midnight = dnum * DAY
        off_midnight, off_noon = self._offsets(first, n + 1)
        self._first, self._last, self._n = first, last, n
        self._day_start = midnight - off_midnight  # UTC epoch of each local midnight (+1 spare)
        self._day_end = midnight[:n] + self.hours[-1][1] - off_noon[:n]
        w = np.flatnonzero(working)
        base = (midnight[w] - off_noon[w])[:, None]
        self._S = (base + np.array([s for s, _e in self.hours])).ravel()
        self._E = (base + np.array([e for _s, e in self.hours])).ravel()
        self._Cend = np.cumsum(self._E - self._S)
        self._C = self._Cend - (self._E - self._S)
        self._work_idx = w
        self._ordinal = np.cumsum(working) - working  # working days before each day
        idx = np.where(working, np.arange(n), n)
        self._next = np.append(np.minimum.accumulate(idx[::-1])[::-1], n)  # first working >= i
        y0, y1 = (self.years.start, self.years.stop) if self.years else (first.year, first.year)
        self._table_span = (self._day_start[(dt.date(y0, 1, 1) - first).days],
                            self._day_start[(dt.date(y1, 1, 1) - first).days])

    def _offsets(self, first: dt.date, n: int) -> tuple[np.ndarray, np.ndarray]:
        """UTC offsets (s) at each local midnight and noon; one number when the zone never
        changes its offset (China since 1991), checked twice a month."""
        def offset(i, hour):
            d = first + dt.timedelta(days=int(i))
            return dt.datetime(d.year, d.month, d.day, hour, tzinfo=self.tz).utcoffset()

        probes = {offset(i, h) for i in range(0, n, 15) for h in (0, 12)}
        if len(probes) == 1:
            fixed = np.full(n, int(probes.pop().total_seconds()), dtype=np.int64)
            return fixed, fixed
        return tuple(np.array([int(offset(i, h).total_seconds()) for i in range(n)],
                              dtype=np.int64) for h in (0, 12))

    def _epoch(self, values) -> np.ndarray:
        arr = np.asarray(values)
        if not np.issubdtype(arr.dtype, np.datetime64):
            raise InvalidInput(_g("时间数组必须是 UTC 的 datetime64。"))
        if np.isnat(arr).any():
            raise InvalidInput(_g("时间数组中有空值 (NaT)。"))
        t = arr.astype("datetime64[s]").astype(np.int64)
        if t.size and (t.min() < self._day_start[0] or t.max() >= self._day_start[-1]):
            raise InvalidInput(_g("时间超出工作日历范围（{a}–{b} 年）。").format(
                a=self._first.year, b=self._last.year))
        return t

    def _checked(self, t: np.ndarray, result: np.ndarray) -> np.ndarray:
        lo, hi = self._table_span
        if t.size and (t.min() < lo or result.max() >= hi):
            self._warn_outside()
        return result.astype("datetime64[s]")

    def _working_seconds(self, t: np.ndarray) -> np.ndarray:
        """Working seconds on the timeline before instant t."""
        j = np.searchsorted(self._S, t, side="right") - 1
        jj = np.maximum(j, 0)
        return np.where(j >= 0, self._C[jj] + np.minimum(t, self._E[jj]) - self._S[jj], 0)

    def _add_working_seconds(self, t: np.ndarray, secs: np.ndarray) -> np.ndarray:
        target = self._working_seconds(t) + secs
        j = np.searchsorted(self._Cend, target, side="left")
        if j.size and j.max() >= len(self._Cend):
            raise InvalidInput(_g("时限超出工作日历范围。"))
        return np.where(secs == 0, t, self._S[j] + (target - self._C[j]))

    def _add_one_unit(self, t, amounts, unit) -> np.ndarray:
        amounts = np.asarray(amounts)
        if amounts.size and amounts.min() < 0:
            raise InvalidInput(_g("时限不能为负数。"))
        if unit in (DeadlineUnit.emergency_hours, DeadlineUnit.working_hours):
            secs = np.rint(amounts.astype(np.float64) * 3600).astype(np.int64)
            return t + secs if unit == DeadlineUnit.emergency_hours else \
                self._add_working_seconds(t, secs)
        if amounts.size and (amounts != np.floor(amounts)).any():
            raise InvalidInput(_g("天数时限必须是非负整数。"))
        n = amounts.astype(np.int64)
        i = np.searchsorted(self._day_start, t, side="right") - 1
        if unit == DeadlineUnit.natural_days:
            k = i + n + 1
            if k.size and k.max() >= len(self._day_start):
                raise InvalidInput(_g("时限超出工作日历范围。"))
            return self._day_start[k]
        d0 = self._next[i + (t >= self._day_end[i])]
        k = self._ordinal[np.minimum(d0, self._n - 1)] + n
        if k.size and (d0.max() >= self._n or k.max() >= len(self._work_idx)):
            raise InvalidInput(_g("时限超出工作日历范围。"))
        return self._day_end[self._work_idx[k]]

    def _by_unit(self, units, size: int, fn) -> np.ndarray:
        """fn(unit, index) for each unit present; `units` is one unit or an array of values."""
        if isinstance(units, str):
            return fn(DeadlineUnit(units), slice(None))
        units = np.asarray(units)
        units = units if units.dtype.kind == "U" else units.astype(str)
        out = np.empty(size, dtype=np.int64)
        seen = np.zeros(size, dtype=bool)
        for unit in DeadlineUnit:
            mask = units == unit.value
            if mask.any():
                out[mask] = fn(unit, mask)
                seen |= mask
        if not seen.all():
            raise InvalidInput(_g("未知的时限单位：{u}。").format(u=units[~seen][0]))
        return out

    def add_many(self, starts, amounts, units) -> np.ndarray:
        """Vectorised add(): datetime64 UTC starts -> datetime64[s] UTC deadlines."""
        t = self._epoch(starts)
        amounts = np.broadcast_to(np.asarray(amounts), t.shape)
        res = self._by_unit(units, t.size, lambda u, m: self._add_one_unit(t[m], amounts[m], u))
        return self._checked(t, res)

    def extend_many(self, t, seconds, units) -> np.ndarray:
        """Vectorised extend(): `seconds` (int64) of each unit's working time after `t`."""
        t = self._epoch(t)
        secs = np.broadcast_to(np.asarray(seconds, dtype=np.int64), t.shape)
        if secs.size and secs.min() < 0:
            raise InvalidInput(_g("时限不能为负数。"))

        def one(unit, m):
            if unit in WALL_CLOCK_UNITS:
                return t[m] + secs[m]
            return self._add_working_seconds(t[m], secs[m])

        return self._checked(t, self._by_unit(units, t.size, one))

    def working_time_between_many(self, a, b, units) -> np.ndarray:
        """Vectorised working_time_between(), in seconds (int64)."""
        a, b = self._epoch(a), self._epoch(b)
        a, b = np.broadcast_arrays(a, b)

        def one(unit, m):
            if unit in WALL_CLOCK_UNITS:
                return b[m] - a[m]
            return self._working_seconds(b[m]) - self._working_seconds(a[m])

        return self._by_unit(units, a.size, one)

    def warning_levels(self, now, starts, deadlines, units=DeadlineUnit.working_hours, *,
                       yellow_share: float | None = None) -> np.ndarray:
        """Vectorised warning_level(): an array of "normal" / "yellow" / "red"."""
        share = self.yellow_share if yellow_share is None else yellow_share
        now = np.broadcast_to(np.asarray(now, dtype="datetime64[s]"), np.shape(starts))
        allowed = self.working_time_between_many(starts, deadlines, units)
        left = self.working_time_between_many(now, deadlines, units)
        code = np.where(self._epoch(now) > self._epoch(deadlines), 2,
                        np.where(left < share * allowed, 1, 0))
        return np.array(LEVELS)[code]


@functools.lru_cache(maxsize=1)
def get_calendar() -> WorkingCalendar:
    """The process-wide calendar built from the settings (rebuilt when tests change them)."""
    return WorkingCalendar.from_settings()


def _settings_changed(*, setting, **kwargs):
    if setting in ("CIVICGRID", "TIME_ZONE"):
        get_calendar.cache_clear()


setting_changed.connect(_settings_changed)
