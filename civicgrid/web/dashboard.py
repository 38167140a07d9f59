"""What the command centre shows, put together from the owners' selectors: the filter (area,
stream, category, time window) parsed against the actor's scope, the figures, the charts' data
and the map's data. The views only render these.

- Live figures (open, overdue, closed since the window began) and the map come from the case
  table (civicgrid.cases.dashboard), always "now".
- Received, the three rates, the category mix, intake per day and the rankings come from the
  evaluation rollups (civicgrid.evaluation.dashboard): the evaluation's definitions, over the
  cases reported in the window.
- The area is inside the actor's scope or it is ignored (and the page says so): a street
  commander asking for another street still sees only their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases import dashboard as live
from civicgrid.core.codes import level_of
from civicgrid.core.permissions import scope_of
from civicgrid.dispatch.models import Category, Department, Stream
from civicgrid.evaluation import dashboard as rollup
from civicgrid.evaluation.metrics import METRICS

WINDOWS = {"today": (1, gettext_lazy("今日")), "7d": (7, gettext_lazy("近7日")),
           "30d": (30, gettext_lazy("近30日"))}
AREA_LEVELS = ("district", "street", "community", "grid")
CHILD_LEVEL = {"": "district", "district": "street", "street": "community",
               "community": "grid", "grid": "grid"}


@dataclass(frozen=True)
class CommandFilter:
    scope: str  # the actor's own area ('' = city)
    area: str  # the area shown: the scope or a node inside it
    stream: str = ""
    category: int | None = None
    window: str = "today"
    errors: tuple[str, ...] = field(default=(), compare=False)

    @property
    def slice(self) -> live.Slice:
        return live.Slice(area=self.area, stream=self.stream, category=self.category)

    @property
    def categories(self) -> list[int] | None:
        return rollup.category_ids(stream=self.stream, category=self.category)

    def query(self) -> dict[str, str]:
        """As GET parameters (the scope's own area left out)."""
        out = {"window": self.window}
        if self.area != self.scope:
            out["area"] = self.area
        if self.stream:
            out["stream"] = self.stream
        if self.category is not None:
            out["category"] = str(self.category)
        return out


def parse_filter(actor, params) -> CommandFilter:
    """A CommandFilter from GET parameters; anything that makes no sense (or lies outside the
    actor's scope) is dropped and named in `errors`."""
    scope = scope_of(actor).area or ""
    errors: list[str] = []
    area = (params.get("area") or "").strip()
    if area and (level_of(area) not in AREA_LEVELS or not area.startswith(scope)):
        errors.append(_("区域“%(a)s”不在您的辖区内，已显示您的辖区。") % {"a": area})
        area = ""
    stream = (params.get("stream") or "").strip()
    if stream and stream not in Stream.values:
        errors.append(_("业务板块“%(s)s”无效，已忽略。") % {"s": stream})
        stream = ""
    category = None
    raw = (params.get("category") or "").strip()
    if raw:
        if raw.isdigit() and Category.objects.filter(pk=int(raw)).exists():
            category = int(raw)
        else:
            errors.append(_("问题分类“%(c)s”无效，已忽略。") % {"c": raw})
    window = (params.get("window") or "today").strip()
    if window not in WINDOWS:
        errors.append(_("时间范围“%(w)s”无效，已显示今日。") % {"w": window})
        window = "today"
    return CommandFilter(scope=scope, area=area or scope, stream=stream, category=category,
                         window=window, errors=tuple(errors))


def local_today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def window_days(f: CommandFilter, now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = local_today(now)
    return today - dt.timedelta(days=WINDOWS[f.window][0] - 1), today


def window_start(f: CommandFilter, now: dt.datetime) -> dt.datetime:
    first, _last = window_days(f, now)
    return dt.datetime.combine(first, dt.time(0), timezone.get_current_timezone())


# --- figures -----------------------------------------------------------------------------------

def figures(actor, f: CommandFilter, now: dt.datetime) -> dict:
    """The headline figures: received (rollups), open / overdue / closed (live), three rates."""
    first, last = window_days(f, now)
    counts = live.live_counts(actor, f.slice, since=window_start(f, now), now=now)
    window = rollup.window_figures(area=f.area, start=first, end=last,
                                   categories=f.categories)
    rates = [{"code": code, "label": METRICS[code].label_zh, "value": window.metrics[code],
              "numerator": METRICS[code].numerator, "denominator": METRICS[code].denominator}
             for code in rollup.RATES]
    return {"received": window.received, **counts, "rates": rates, "counts": window.counts,
            "window_label": WINDOWS[f.window][1], "first": first, "last": last, "now": now}


# --- charts --------------------------------------------------------------------------------------

def _stream_labels() -> dict[str, str]:
    return {**{k: str(v) for k, v in Stream.choices}, "": _("未分类")}


def _intake(actor, f: CommandFilter, now: dt.datetime) -> dict:
    """Intake per hour (today) or per day (7 / 30 days), one series per stream."""
    labels = _stream_labels()
    if f.window == "today":
        per = live.intake_by_hour(actor, f.slice, day=local_today(now))
        axis = [f"{h:02d}:00" for h in range(24)]
        series = dict(per)
        unit = _("按小时")
    else:
        first, last = window_days(f, now)
        per_day = rollup.received_by_day_and_stream(area=f.area, start=first, end=last,
                                                    categories=f.categories)
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        axis = [d.strftime("%m-%d") for d in days]
        streams = sorted({s for v in per_day.values() for s in v})
        series = {s: [per_day.get(d, {}).get(s, 0) for d in days] for s in streams}
        unit = _("按日")
    order = [*Stream.values, ""]
    return {"axis": axis, "unit": unit,
            "series": [{"name": labels.get(s, s), "data": series[s]}
                       for s in sorted(series, key=lambda s: order.index(s)
                                       if s in order else 99)]}


def _category_mix(f: CommandFilter, now: dt.datetime, top: int = 8) -> list[dict]:
    first, last = window_days(f, now)
    counts = rollup.received_by_category(area=f.area, start=first, end=last,
                                         categories=f.categories)
    names = dict(Category.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    out = [{"name": names.get(c, _("未分类")), "value": n} for c, n in ranked[:top]]
    rest = sum(n for _c, n in ranked[top:])
    if rest:
        out.append({"name": _("其他"), "value": rest})
    return out


def _overdue_units(actor, f: CommandFilter, now: dt.datetime) -> list[dict]:
    from civicgrid.cases.search import area_names

    rows = live.overdue_by_unit(actor, f.slice, now=now)
    depts = dict(Department.objects.filter(pk__in=[r.department_id for r in rows
                                                   if r.department_id])
                 .values_list("pk", "name"))
    names = area_names(r.area_code for r in rows if r.area_code)
    out = []
    for r in rows:
        name = (depts.get(r.department_id, "") if r.department_id else
                names.get(r.area_code, r.area_code)) or _("未指定")
        if r.waiting:
            name = _("%(unit)s（待立案/派遣）") % {"unit": name}
        out.append({"name": name, "value": r.count})
    return out


def _ranking(actor, kind: str, f: CommandFilter, now: dt.datetime) -> list[dict]:
    first, last = window_days(f, now)
    return [{"name": r.unit_name, "value": round(r.composite, 1), "rank": r.rank}
            for r in rollup.top_ranked(actor, unit_kind=kind, start=first, end=last)]


def charts(actor, f: CommandFilter, now: dt.datetime) -> dict:
    return {
        "intake": _intake(actor, f, now),
        "categories": _category_mix(f, now),
        "overdue": _overdue_units(actor, f, now),
        "streets": _ranking(actor, "street", f, now),
        "departments": _ranking(actor, "department", f, now),
    }


# --- the map -------------------------------------------------------------------------------------

def map_level(f: CommandFilter) -> str:
    """Grids inside a district or below; the city's streets (16,000 grids are too many)."""
    return "grid" if f.area else "street"


def map_data(actor, f: CommandFilter, now: dt.datetime) -> dict:
    level = map_level(f)
    load = live.area_load(actor, f.slice, level_field=f"{level}_code", now=now)
    points, total = live.open_points(actor, f.slice, now=now)
    return {
        "level": level, "area": f.area, "load": load,
        "points": [[p.number, round(p.lon, 6), round(p.lat, 6), _point_kind(p), p.category]
                   for p in points],
        "total": total, "capped": total > len(points),
    }


def _point_kind(p: live.Point) -> str:
    if p.level == "red":
        return "overdue"
    if p.level == "yellow":
        return "warning"
    return "waiting" if p.state in ("reported", "registered", "returned") else "open"


def map_areas(actor, f: CommandFilter) -> str:
    """The map's polygons as GeoJSON text: the grids under the area (or the city's streets),
    each with its code and name, and the area's own outline as a foreign member."""
    from civicgrid.territory.featurecollection import feature_collection
    from civicgrid.territory.selectors import area_nodes

    level = map_level(f)
    qs = area_nodes(actor=actor, level=level)
    if f.area:
        here = level_of(f.area)
        qs = qs.filter(code=f.area) if here == "grid" else qs.filter(**{f"{here}_id": f.area})
    rows = list(qs.order_by("code").values_list("code", "name", "geometry"))
    return feature_collection([{"code": c, "name": n} for c, n, _g in rows],
                              [g for _c, _n, g in rows], level=level, area=f.area)


# --- the filter form -------------------------------------------------------------------------------

def area_choices(actor, scope: str) -> list[tuple[str, str]]:
    """The scope itself and the nodes one and two levels below it (districts and their streets
    for the city; streets for a district; communities for a street)."""
    from civicgrid.territory.selectors import area_nodes

    here = level_of(scope) or ""
    out: list[tuple[str, str]] = [(scope, _("全部辖区"))]
    child = CHILD_LEVEL[here]
    levels = [child] if here else ["district", "street"]
    if here == "grid":
        return out
    rows = []
    for level in levels:
        qs = area_nodes(actor=actor, level=level)
        if scope:
            qs = qs.filter(code__startswith=scope)
        rows += list(qs.values_list("code", "name"))
    rows.sort()
    for code, name in rows:
        indent = "　" if here == "" and len(code) == 9 else ""
        out.append((code, f"{indent}{name}"))
    return out


def filter_choices(actor, f: CommandFilter) -> dict:
    return {
        "areas": area_choices(actor, f.scope),
        "streams": Stream.choices,
        "categories": list(Category.objects.filter(active=True).order_by("code")
                           .values_list("pk", "name")),
        "windows": [(k, v[1]) for k, v in WINDOWS.items()],
    }
