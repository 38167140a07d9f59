"""The vectorised steps of the bulk pipeline, each the batch form of what the online intake
(services/intake.py) does for one case, through the same modules:
locate (territory.locator.locate_many), resolve addresses (territory.gazetteer), classify
(dispatch.classify.suggest_many), route (dispatch.routing route_many, reasons included), step
deadlines (cases.deadlines.step_deadlines_many) and case numbers (cases.numbering.reserve_numbers,
one block per prefix and day).

Repeated inputs are resolved once: addresses per distinct text, descriptions per distinct text,
routing reasons per distinct decision — the answers are functions of those inputs alone.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings

from civicgrid.core.calendar import get_calendar
from civicgrid.core.geo import CRS, to_wgs84

from .deadlines import LimitTable, priority_caps, step_deadlines_many
from .models import LocationSource
from .numbering import DEFAULT_PREFIX, SEQUENCE_WIDTH, format_number, reserve_numbers


def handle_deadlines_many(category_ids, dispatched_at, priorities=None, *,
                          table: LimitTable | None = None) -> np.ndarray:
    """Vectorised deadlines.handle_deadline: the handle deadline of cases dispatched at
    `dispatched_at` (datetime64 UTC; NaT stays NaT), capped by priority the same way."""
    cal = get_calendar()
    table = table or LimitTable.from_db()
    start = np.asarray(dispatched_at, "datetime64[s]")
    out = np.full(start.shape, np.datetime64("NaT"), "datetime64[s]")
    ok = ~np.isnat(start)
    if not ok.any():
        return out
    rows = table.rows(np.asarray(category_ids)[ok])
    res = cal.add_many(start[ok], table.amounts["handle"][rows], table.units["handle"][rows])
    if priorities is not None:
        prio = np.asarray(priorities, dtype=np.int64)[ok]
        for priority, caps in priority_caps().items():
            m = prio == priority
            if "handle" in caps and m.any():
                cap = cal.add_many(start[ok][m], caps["handle"][0], caps["handle"][1])
                res[m] = np.minimum(res[m], cap)
    out[ok] = res
    return out


class Enricher:
    """Holds the looked-up state (locator, gazetteer, classifier, router, limits, prefixes) for
    one import; each method fills columns of a batch in place."""

    def __init__(self, *, crs: str = "wgs84"):
        from civicgrid.dispatch.models import Category
        from civicgrid.territory.locator import get_locator
        from civicgrid.territory.models import District

        self.crs = CRS(str(crs).lower())
        self.locator = get_locator(refresh=True)
        self._gazetteer = None
        self.limits = LimitTable.from_db()
        from civicgrid.dispatch.models import Department

        self.dept_ids = np.array(list(Department.objects.values_list("id", flat=True)),
                                 dtype=np.int64)
        cats = list(Category.objects.values_list("id", "stream", "handle_unit"))
        self.cat_ids = np.array(sorted(c[0] for c in cats), dtype=np.int64)
        by_id = {c[0]: c for c in cats}
        self._streams = np.array([by_id[c][1] for c in self.cat_ids.tolist()], dtype=object)
        self._wall_clock = np.array([by_id[c][2] == "emergency_hours"
                                     for c in self.cat_ids.tolist()], dtype=bool)
        self.prefix_of = {code: (abbr or "").strip().upper() or DEFAULT_PREFIX
                          for code, abbr in District.objects.values_list("code", "abbr")}
        self.tz = ZoneInfo(settings.TIME_ZONE)

    # --- where -------------------------------------------------------------------------------
    def locate(self, b: dict) -> None:
        n = len(b["row"])
        lon, lat = b["lon"].copy(), b["lat"].copy()
        has_point = ~np.isnan(lon) & ~np.isnan(lat)
        if self.crs is not CRS.WGS84 and has_point.any():
            lon[has_point], lat[has_point] = to_wgs84(lon[has_point], lat[has_point], self.crs)
        b["lon"], b["lat"] = lon, lat
        idx = np.full(n, -1, dtype=np.intp)
        if has_point.any():
            idx[has_point] = self.locator.locate_many(lon[has_point], lat[has_point])
        codes = self.locator.locations_for(idx)
        for level in ("grid", "community", "street", "district"):
            b[f"{level}_code"] = codes[level].astype(object)
        b["location_source"] = np.where(has_point, LocationSource.GPS.value,
                                        LocationSource.NONE.value).astype(object)
        address_only = ~has_point & (b["address"] != "")
        if address_only.any():
            self._resolve(b, np.flatnonzero(address_only))

    def _resolve(self, b: dict, rows: np.ndarray) -> None:
        """intake.locate for cases without coordinates: a confident candidate gives its codes,
        else what every candidate agrees on (street, district)."""
        from civicgrid.cases.services.intake import _codes_of_candidate
        from civicgrid.territory.gazetteer import get_gazetteer, is_confident

        if self._gazetteer is None:
            self._gazetteer = get_gazetteer(refresh=True)
        memo: dict[str, dict[str, str]] = {}
        for i in rows.tolist():
            text = b["address"][i]
            found = memo.get(text)
            if found is None:
                candidates = self._gazetteer.resolve(text)
                if is_confident(candidates):
                    found = _codes_of_candidate(candidates[0])
                else:
                    streets = {c.street_code for c in candidates}
                    districts = {c.district_code for c in candidates}
                    found = {"street_code": streets.pop() if len(streets) == 1 and
                             "" not in streets else "",
                             "district_code": districts.pop() if len(districts) == 1 and
                             "" not in districts else ""}
                memo[text] = found
            for key, value in found.items():
                b[key][i] = value
            if found.get("district_code"):
                b["location_source"][i] = LocationSource.ADDRESS.value

    # --- what --------------------------------------------------------------------------------
    def classify(self, b: dict) -> None:
        """Rows without a category get the classifier's best suggestion (provisional, as at
        intake); `category_source` says which."""
        missing = b["category_id"] < 0
        b["category_source"] = np.where(missing, "", "given").astype(object)
        if not missing.any():
            return
        from civicgrid.dispatch.classify import get_classifier

        texts = b["description"][missing].tolist()
        uniq = list(dict.fromkeys(texts))  # descriptions repeat; each is classified once
        found = dict(zip(uniq, get_classifier().suggest_many(uniq).tolist(), strict=True))
        ids = np.fromiter(map(found.__getitem__, texts), np.int64, len(texts))
        ids[~np.isin(ids, self.cat_ids)] = -1  # a stale classifier never writes a dead id
        b["category_id"][missing] = ids
        b["category_source"][np.flatnonzero(missing)[ids >= 0]] = "suggested"

    def _of_category(self, b: dict, values: np.ndarray, missing):
        """`values` (one per self.cat_ids) looked up for each row's category."""
        ids = b["category_id"]
        pos = np.minimum(np.searchsorted(self.cat_ids, ids), max(len(self.cat_ids) - 1, 0))
        found = (self.cat_ids[pos] == ids) if len(self.cat_ids) else np.zeros(len(ids), bool)
        out = np.full(len(ids), missing, dtype=values.dtype)
        out[found] = values[pos[found]]
        return out

    def streams(self, b: dict) -> np.ndarray:
        return self._of_category(b, self._streams, "")

    def wall_clock(self, b: dict) -> np.ndarray:
        return self._of_category(b, self._wall_clock, False)

    # --- who ---------------------------------------------------------------------------------
    def route(self, b: dict) -> None:
        """The routing suggestion: unit (department id or area) and the Chinese reason, for rows
        with a category and a district, as intake.routing_suggestion."""
        from civicgrid.dispatch.routing import get_router

        n = len(b["row"])
        b["route_department_id"] = np.full(n, -1, dtype=np.int64)
        b["route_area_code"] = np.full(n, "", dtype=object)
        b["routing_reason"] = np.full(n, "", dtype=object)
        ok = (b["category_id"] >= 0) & (b["district_code"] != "")
        if not ok.any():
            return
        cols = [b[k][ok] for k in ("district_code", "street_code", "community_code", "grid_code")]
        # explain=True: the reason text, one sentence per distinct decision, taken by index.
        depts, areas, rules, reasons = get_router().route_many(b["category_id"][ok], *cols,
                                                               explain=True)
        idx = np.flatnonzero(ok)
        depts[~np.isin(depts, self.dept_ids)] = -1
        b["route_department_id"][idx] = depts
        b["route_area_code"][idx] = areas
        b["routing_reason"][idx] = reasons

    # --- when --------------------------------------------------------------------------------
    def deadlines(self, b: dict, *, dispatched: np.ndarray) -> None:
        """Step deadlines from the report time; for dispatched cases the handle deadline counts
        from the dispatch (deadlines.handle_deadline) and grows by approved extensions."""
        from .bulk_history import extended_deadline

        d = step_deadlines_many(b["category_id"], b["reported_at"], b["priority"],
                                table=self.limits)
        b.update(d)
        if dispatched.any():
            hd = handle_deadlines_many(b["category_id"][dispatched],
                                       b["dispatched_at"][dispatched],
                                       b["priority"][dispatched], table=self.limits)
            b["handle_deadline"][dispatched] = extended_deadline(
                hd, b["extension_count"][dispatched])

    def numbers(self, b: dict) -> None:
        """XC-20261122-000123: one reserved block per (prefix, local report day)."""
        n = len(b["row"])
        get = self.prefix_of.get
        prefixes = np.array([get(c, DEFAULT_PREFIX) if c else DEFAULT_PREFIX
                             for c in b["district_code"].tolist()], dtype=object)
        offset = self._offsets(b["reported_at"])
        days = (b["reported_at"] + offset).astype("datetime64[D]").astype(np.int64)
        keys = np.char.add(prefixes.astype(str), days.astype(str))
        uniq, first_idx, inverse = np.unique(keys, return_index=True, return_inverse=True)
        order = np.argsort(inverse, kind="stable")
        counts = np.bincount(inverse, minlength=len(uniq))
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        out = np.empty(n, dtype=object)
        for g, i in enumerate(first_idx.tolist()):
            prefix = prefixes[i]
            day = dt.date(1970, 1, 1) + dt.timedelta(days=int(days[i]))
            first = reserve_numbers(prefix, day, int(counts[g]))
            members = order[starts[g]:starts[g] + counts[g]]
            # format_number(prefix, day, seq), with the date part formatted once per block
            stem = format_number(prefix, day, 0)[: -SEQUENCE_WIDTH]
            out[members] = [stem + f"{first + k:0{SEQUENCE_WIDTH}d}"
                            for k in range(int(counts[g]))]
        b["number"] = out

    def _offsets(self, times: np.ndarray) -> np.ndarray:
        """The zone's UTC offset at each instant (per distinct UTC day; China has one)."""
        days = times.astype("datetime64[D]")
        uniq, inverse = np.unique(days, return_inverse=True)
        secs = [int(dt.datetime.fromtimestamp(int(d.astype("datetime64[s]").astype(np.int64))
                                              + 43200, self.tz).utcoffset().total_seconds())
                for d in uniq]
        return np.asarray(secs, dtype=np.int64)[inverse].astype("timedelta64[s]")


def report_data(channel: str, category_source: str) -> str:
    """The "report" event's data for an imported case (intake writes the same keys it has)."""
    return json.dumps({"imported": True, "channel": channel, "category_source": category_source},
                      ensure_ascii=False)
