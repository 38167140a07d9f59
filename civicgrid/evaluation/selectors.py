"""Reads of the rankings for pages (and the command centre): scoped to what the actor may see
(units.view_for), computed from the rollups (ranking.rankings)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from civicgrid.core.errors import NotFound, PermissionDenied

from .ranking import RankRow, month_bounds, previous_period, rankings
from .units import View, view_for


@dataclass
class RankingTable:
    unit_kind: str
    start: dt.date
    end: dt.date
    previous: tuple[dt.date, dt.date]
    rows: list[RankRow]  # the rows this actor sees, in rank order
    population: int  # units ranked (the rank is among these)
    ranked: int  # of which with a composite this period


def _view(actor, unit_kind: str) -> View:
    view = view_for(actor, unit_kind)
    if view is None:
        raise PermissionDenied(_("您没有查看这类排名的权限。如需查看，请联系上级管理员开通。"),
                               code="forbidden")
    return view


def ranking_table(actor, *, unit_kind: str, start: dt.date, end: dt.date,
                  unrated: str | None = None) -> RankingTable:
    view = _view(actor, unit_kind)
    rows = rankings(unit_kind=unit_kind, start=start, end=end, units=view.population,
                    unrated=unrated or "exclude")
    return RankingTable(unit_kind, start, end, previous_period(start, end),
                        [r for r in rows if r.unit_code in view.shown], len(rows),
                        sum(r.rank is not None for r in rows))


@dataclass
class MonthFigures:
    month: dt.date  # first day
    rank: int | None
    ranked: int
    row: RankRow


@dataclass
class UnitHistory:
    unit_kind: str
    unit_code: str
    unit_name: str
    months: list[MonthFigures] = field(default_factory=list)  # oldest first


def last_months(month: dt.date, n: int) -> list[dt.date]:
    """First days of the n months ending with `month`'s, oldest first."""
    first = month.replace(day=1)
    out = [first]
    for _i in range(n - 1):
        out.append(month_bounds(out[-1] - dt.timedelta(days=1))[0])
    return out[::-1]


def unit_history(actor, *, unit_kind: str, unit_code: str, month: dt.date, months: int = 12,
                 unrated: str | None = None) -> UnitHistory:
    """One unit's figures and rank for each of the `months` months ending with `month`."""
    view = _view(actor, unit_kind)
    if unit_code not in view.shown:
        raise NotFound(_("没有找到这个单位，或它不在您可查看的范围内。"), code="not_found")
    history = UnitHistory(unit_kind, unit_code, unit_code)
    for first in last_months(month, months):
        rows = rankings(unit_kind=unit_kind, month=first, units=view.population,
                        unrated=unrated or "exclude", previous=False)
        row = next(r for r in rows if r.unit_code == unit_code)
        history.unit_name = row.unit_name
        history.months.append(MonthFigures(first, row.rank, sum(r.rank is not None
                                                                for r in rows), row))
    return history
