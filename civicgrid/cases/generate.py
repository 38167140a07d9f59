"""A synthetic workload for the demo city: `generate_cases(n, start=..., end=..., seed=...)`.

Realistic enough for the demo and the benchmarks, and deterministic (same arguments, same rows).
It reads the territory (Grid geometries, real community/street names) and the category catalogue
from the database, and yields chunks in the bulk batch format (bulk_columns.py), so they can be
imported directly or written to a file (`civicgrid cases generate`). What it models:
- where: a grid drawn with weights (Xicheng and the other urban districts get most cases; grids
  are drawn to carry similar workloads), the point uniform inside it;
- channel: 12345 hotline ~50 %, grid-worker patrol ~30 %, residents, street-lane chiefs, video;
- category: per channel a stream mix (patrols see city management, callers social services),
  inside a stream a Zipf law over the categories in a seeded order (a few dominate);
- when: working days busier than weekends, holidays (the working calendar) quieter still; a
  daytime peak per channel (patrols in shift hours, the hotline into the evening, video all day);
- text: a sentence around a keyword of the category; hotline callers give an address built from
  the real community names, a third of them without coordinates;
- history (`history=True`): each case runs through register → dispatch → accept → report back →
  verify → close → rate at times drawn against its step deadlines on the working calendar,
  with returns, reworks, extensions, overdue handling, supervision, suspension, reopening and
  ratings (满意 ~85 %); whatever lies after `end` has not happened yet, so recent cases are open.
Memory stays flat: each chunk is built from its own random stream; its rows are in report-time
order (row numbers and client keys follow that order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.conf import settings

from civicgrid.core.calendar import get_calendar

from . import generate_text as text
from .bulk_columns import empty
from .models import Channel, Priority, Rating

CHUNK = 50_000
URBAN = {"110101": 1.0, "110102": 1.0, "110105": 1.0, "110106": 0.8, "110107": 0.6,
         "110108": 1.0}
SUBURBAN_WEIGHT = 0.25
CHANNELS = (Channel.HOTLINE, Channel.PATROL, Channel.RESIDENT, Channel.LANE_CHIEF, Channel.VIDEO)
CHANNEL_P = (0.50, 0.30, 0.10, 0.05, 0.05)
STREAM_MIX = {
    Channel.HOTLINE: {"social_service": .40, "city_management": .30,
                      "administrative_service": .15, "social_management": .12,
                      "emergency_response": .03},
    Channel.PATROL: {"city_management": .85, "social_management": .10, "emergency_response": .05},
    Channel.RESIDENT: {"social_service": .45, "city_management": .40, "social_management": .10,
                       "administrative_service": .05},
    Channel.LANE_CHIEF: {"city_management": .70, "social_service": .15, "social_management": .15},
    Channel.VIDEO: {"city_management": .90, "social_management": .05, "emergency_response": .05},
}
# Relative cases per hour of the day (local time).
DAY_SHAPE = np.array([.3, .2, .15, .15, .2, .4, 1, 3, 7, 9, 9, 8, 5, 7, 9, 9, 8, 6, 4, 3, 2.5,
                      2, 1, .5])
HOURS = {
    Channel.HOTLINE: DAY_SHAPE + np.array([0] * 18 + [2, 3, 3, 2, 1, .5]),
    Channel.PATROL: np.where((np.arange(24) >= 8) & (np.arange(24) < 18), DAY_SHAPE, 0.01),
    Channel.RESIDENT: DAY_SHAPE + 1,
    Channel.LANE_CHIEF: np.where((np.arange(24) >= 7) & (np.arange(24) < 20), DAY_SHAPE, 0.05),
    Channel.VIDEO: np.ones(24) + DAY_SHAPE / 4,
}
# Relative cases per day: (working day, weekend, public holiday).
DAY_KIND = {Channel.PATROL: (1.0, 0.35, 0.2), Channel.LANE_CHIEF: (1.0, 0.5, 0.3)}
DEFAULT_DAY_KIND = (1.0, 0.6, 0.4)
CATEGORY_GIVEN = {Channel.HOTLINE: 0.7, Channel.RESIDENT: 0.0}  # else 1.0: workers classify
ADDRESS_ONLY = {Channel.HOTLINE: 0.35, Channel.RESIDENT: 0.1}
RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED, Rating.UNSATISFIED)
RATING_P = (0.85, 0.10, 0.05)
SOLVED_P = (0.97, 0.85, 0.30)
HOUR = 3600


@dataclass
class Territory:
    codes: np.ndarray  # grid codes
    geoms: np.ndarray
    bounds: np.ndarray
    weights: np.ndarray
    district: list[str]  # names per grid
    street: list[str]
    community: list[str]


@dataclass
class Catalogue:
    ids: np.ndarray
    names: list[str]
    keywords: list[list[str]]
    streams: np.ndarray
    emergency: np.ndarray  # handle clock always runs

    def weights(self, stream: str, rng: np.random.Generator) -> np.ndarray:
        idx = np.flatnonzero(self.streams == stream)
        w = np.zeros(len(self.ids))
        if idx.size:
            ranks = rng.permutation(idx.size)
            w[idx] = 1.0 / (ranks + 1.0) ** 1.2
        return w


def load_territory(district_codes=None) -> Territory:
    from civicgrid.territory.models import Community, District, Grid, Street

    qs = Grid.objects.exclude(geometry=None).order_by("code")
    if district_codes:
        qs = qs.filter(district_id__in=list(district_codes))
    rows = list(qs.values_list("code", "geometry", "community_id", "street_id", "district_id"))
    if not rows:
        raise ValueError("no grids with geometry in the database: load the demo city first "
                         "(civicgrid demo load)")
    names = {}
    for model in (District, Street, Community):
        names.update(model.objects.values_list("code", "name"))
    blobs = np.empty(len(rows), dtype=object)
    blobs[:] = [bytes(r[1]) for r in rows]
    geoms = shapely.from_wkb(blobs)
    shapely.prepare(geoms)
    area = shapely.area(geoms)
    district_w = np.array([URBAN.get(r[4], SUBURBAN_WEIGHT) for r in rows])
    # Cases follow grids (drawn to similar workloads), damped for huge rural grids.
    weights = district_w / np.sqrt(np.maximum(area / np.median(area), 1.0))
    return Territory(codes=np.array([r[0] for r in rows]), geoms=geoms,
                     bounds=shapely.bounds(geoms), weights=weights / weights.sum(),
                     district=[text.short_place(names.get(r[4], "")) for r in rows],
                     street=[text.short_place(names.get(r[3], "")) for r in rows],
                     community=[text.short_place(names.get(r[2], "")) for r in rows])


def load_catalogue() -> Catalogue:
    from civicgrid.dispatch.catalogue import split_keywords
    from civicgrid.dispatch.models import Category

    cats = list(Category.objects.filter(active=True).order_by("code"))
    parents = {c.parent_id for c in cats}
    leaves = [c for c in cats if c.pk not in parents] or cats
    if not leaves:
        raise ValueError("the category catalogue is empty: run `civicgrid catalogue load`")
    return Catalogue(ids=np.array([c.pk for c in leaves], dtype=np.int64),
                     names=[c.name for c in leaves],
                     keywords=[split_keywords(c.keywords) for c in leaves],
                     streams=np.array([c.stream for c in leaves]),
                     emergency=np.array([c.handle_unit == "emergency_hours" for c in leaves]))


def _points(t: Territory, grid: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.empty(len(grid)), np.empty(len(grid))
    todo = np.arange(len(grid))
    while todo.size:  # rejection sampling in each grid's bounding box
        b = t.bounds[grid[todo]]
        tx, ty = rng.uniform(b[:, 0], b[:, 2]), rng.uniform(b[:, 1], b[:, 3])
        ok = shapely.contains_xy(t.geoms[grid[todo]], tx, ty)
        x[todo[ok]], y[todo[ok]] = tx[ok], ty[ok]
        todo = todo[~ok]
    return np.round(x, 6), np.round(y, 6)


def _day_weights(days: list[dt.date], kinds: tuple[float, float, float]) -> np.ndarray:
    cal = get_calendar()
    w = np.empty(len(days))
    for i, d in enumerate(days):
        entry = cal.table.get(d)
        if entry and entry[0] == "holiday":
            w[i] = kinds[2]
        elif cal.is_working_day(d):
            w[i] = kinds[0]
        else:
            w[i] = kinds[1]
    return w / w.sum()


def _report_times(rng, channels, start: dt.date, end: dt.datetime) -> np.ndarray:
    """Local day by day-kind weights, hour by the channel's day shape; UTC datetime64[s]."""
    tz = ZoneInfo(settings.TIME_ZONE)
    days = [start + dt.timedelta(days=i) for i in range((end.date() - start).days + 1)]
    base = np.array([np.datetime64(d, "s") for d in days]).astype(np.int64)
    out = np.empty(len(channels), dtype=np.int64)
    for ch in CHANNELS:
        m = np.flatnonzero(channels == ch.value)
        if not m.size:
            continue
        day = rng.choice(len(days), m.size, p=_day_weights(days, DAY_KIND.get(ch,
                                                                               DEFAULT_DAY_KIND)))
        hour = rng.choice(24, m.size, p=HOURS[ch] / HOURS[ch].sum())
        out[m] = base[day] + hour * HOUR + rng.integers(0, HOUR, m.size)
    offset = int(dt.datetime.combine(start, dt.time(12), tz).utcoffset().total_seconds())
    utc = out - offset
    limit = int(end.timestamp()) - 60
    utc = np.where(utc > limit, limit - rng.integers(0, 6 * HOUR, len(utc)), utc)
    return utc.astype("datetime64[s]")


def generate_cases(n: int, *, start: dt.date, end: dt.datetime, seed: int = 1,
                   district_codes=None, history: bool = True,
                   chunk_size: int = CHUNK) -> Iterator[dict[str, np.ndarray]]:
    """n cases reported between `start` (a local date) and `end` (aware; "now" for the
    history), in chunks of `chunk_size` rows. Row numbers run 1..n across chunks."""
    if n < 0 or chunk_size < 1:
        raise ValueError("n must be >= 0 and chunk_size >= 1")
    territory, catalogue = load_territory(district_codes), load_catalogue()
    base = np.random.default_rng([seed, 0])
    stream_w = {s: catalogue.weights(s, base) for s in sorted(set(catalogue.streams))}
    cat_p = {}
    for ch, mix in STREAM_MIX.items():
        w = sum((share * stream_w[s] for s, share in mix.items() if s in stream_w),
                np.zeros(len(catalogue.ids)))
        cat_p[ch] = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    for k, first in enumerate(range(0, n, chunk_size)):
        size = min(chunk_size, n - first)
        rng = np.random.default_rng([seed, k + 1])
        yield _chunk(rng, size, first, seed, territory, catalogue, cat_p, start, end, history)


def _chunk(rng, n, first, seed, t: Territory, cat: Catalogue, cat_p, start, end, history):
    b = empty(n)
    b["row"] = np.arange(first + 1, first + n + 1, dtype=np.int64)
    # Zero-padded: keys sort in row order, so a generated import appends to the unique index.
    b["client_key"] = np.array([f"gen-{seed}-{first + i + 1:09d}" for i in range(n)],
                               dtype=object)
    channels = np.array(CHANNELS, dtype=object)[rng.choice(len(CHANNELS), n, p=CHANNEL_P)]
    b["channel"] = channels
    b["reported_at"] = _report_times(rng, channels, start, end)
    grid = rng.choice(len(t.codes), n, p=t.weights)
    lon, lat = _points(t, grid, rng)
    ci = np.empty(n, dtype=np.int64)
    for ch in CHANNELS:
        m = channels == ch.value
        ci[m] = rng.choice(len(cat.ids), int(m.sum()), p=cat_p[ch])
    b["description"] = np.array(text.descriptions(rng, cat.keywords, cat.names, ci), dtype=object)
    emergency_stream = cat.streams[ci] == "emergency_response"
    b["priority"] = np.where(emergency_stream & (rng.random(n) < 0.7), Priority.EMERGENCY,
                             np.where(rng.random(n) < 0.05, Priority.URGENT, Priority.NORMAL))
    spoken = np.isin(channels, [Channel.HOTLINE.value, Channel.RESIDENT.value])
    addr = np.flatnonzero(spoken)
    b["address"][addr] = text.addresses(rng, [t.district[g] for g in grid[addr]],
                                        [t.street[g] for g in grid[addr]],
                                        [t.community[g] for g in grid[addr]])
    address_only = np.zeros(n, bool)
    for ch, share in ADDRESS_ONLY.items():
        address_only |= (channels == ch.value) & (rng.random(n) < share)
    b["lon"], b["lat"] = np.where(address_only, np.nan, lon), np.where(address_only, np.nan, lat)
    names, phones = text.reporters(rng, n)
    b["reporter_name"][spoken] = np.array(names, dtype=object)[spoken]
    b["reporter_phone"][spoken] = np.array(phones, dtype=object)[spoken]
    given = np.ones(n, bool)
    for ch, share in CATEGORY_GIVEN.items():
        m = channels == ch.value
        given[m] = rng.random(int(m.sum())) < share
    if history:
        given[:] = True  # a registered case has a confirmed category
    b["category_id"] = np.where(given, cat.ids[ci], -1)
    if history:
        from .generate_outcomes import outcomes

        outcomes(rng, b, cat.emergency[ci], end)
    # Rows in report-time order, as an office's export lists them: case numbers (per day, in
    # row order) then grow with the rows, so an import appends to their unique index.
    order = np.argsort(b["reported_at"], kind="stable")
    for name, values in b.items():
        if name not in ("row", "client_key"):
            b[name] = values[order]
    return b
