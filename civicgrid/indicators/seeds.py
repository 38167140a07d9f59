"""The seed plans as data (`data/plans.json`): plans, aspects, indicators, targets and every
figure the seed documents quote, each citing its seed file and the sentence it comes from.

`seeds_load()` writes them idempotently: plans, aspects and indicators are matched by code,
targets by (indicator, area, kind, date), seed figures by (indicator, area, date); a row is
saved only when something differs (so reloading adds no history versions), and seed-cited
targets and figures no longer in the file are removed. Rows entered by people are never touched.

`citation_problems()` checks the file against the seed texts: every cited sentence must occur
verbatim in its seed file, the quoted figure must occur in the sentence, and the stored value
must be that figure (万 = 10,000; 余/多/约/以上/左右 dropped: lower bounds) unless a
`derivation` explains the number (e.g. "全覆盖" → 100%).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import Aspect, Indicator, Measurement, Origin, Plan, Status, Target
from .services import area_scope_codes

DATA_FILE = Path(__file__).resolve().parent / "data" / "plans.json"
_QUALIFIERS = re.compile(r"余|多|约|以上|左右|名|个|家|人|处")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(万|亿)?(%)?")
_MULTIPLIER = {None: 1, "万": 10_000, "亿": 100_000_000}


def seeds_dir() -> Path:
    """Where the seed texts are: $CIVICGRID_SEEDS_DIR, else ../shared/seeds beside the repo."""
    configured = os.environ.get("CIVICGRID_SEEDS_DIR")
    return Path(configured) if configured else Path(settings.BASE_DIR).parent / "shared" / "seeds"


def seed_data(path: Path | None = None) -> dict:
    return json.loads((path or DATA_FILE).read_text(encoding="utf-8"))


def quoted_number(text: str) -> Decimal | None:
    """The number a quoted figure states: "1.49万" → 14900, "400多万" → 4000000, "83%" → 83;
    None when the text is not a single number ("全覆盖", "2-5名")."""
    cleaned = _QUALIFIERS.sub("", text.replace(",", "").strip())
    match = _NUMBER.fullmatch(cleaned)
    if not match:
        return None
    return Decimal(match.group(1)) * _MULTIPLIER[match.group(2)]


def _citations(data: dict):
    """(where, item) for every target and figure in the data."""
    for plan in data["plans"]:
        summary = plan.get("reported_summary")
        if summary:
            yield f"{plan['code']} reported_summary", summary
        for ind in plan["indicators"]:
            for kind in ("targets", "measurements"):
                for n, item in enumerate(ind.get(kind, []), start=1):
                    yield f"{plan['code']}/{ind['code']} {kind}[{n}]", item


def citation_problems(data: dict, directory: Path) -> list[str]:
    """Everything wrong with the citations (empty when all are exact)."""
    problems: list[str] = []
    texts: dict[str, str] = {}
    for where, item in _citations(data):
        seed = item.get("seed", "")
        if seed not in texts:
            path = directory / seed
            if not seed or not path.is_file():
                problems.append(f"{where}: seed file {seed!r} not found in {directory}")
                continue
            texts[seed] = path.read_text(encoding="utf-8")
        sentence = item.get("text", "")
        if not sentence or sentence not in texts[seed]:
            problems.append(f"{where}: sentence not found verbatim in {seed}: {sentence[:40]!r}")
        quoted = item.get("quoted")
        if quoted is None:
            continue  # a reported summary: the sentence is the figure
        if quoted not in sentence:
            problems.append(f"{where}: quoted figure {quoted!r} is not in the sentence")
        number = quoted_number(quoted)
        if item.get("derivation"):
            continue
        if number is None or number != Decimal(str(item["value"])):
            problems.append(f"{where}: value {item['value']} is not the quoted {quoted!r} "
                            f"(read as {number}); add a derivation if it is derived")
    return problems


@dataclass
class SeedLoadReport:
    plans: int = 0
    indicators: int = 0
    targets: int = 0
    measurements: int = 0
    written: int = 0  # rows created or changed
    removed: int = 0
    plan_codes: list[str] = field(default_factory=list)


def _upsert(model, lookup: dict, values: dict, report: SeedLoadReport):
    """Get or create by `lookup`; save only when a value differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
    elif all(getattr(obj, k) == v for k, v in values.items()):
        return obj
    else:
        for k, v in values.items():
            setattr(obj, k, v)
    if hasattr(obj, "history"):
        obj._change_reason = "载入种子规划"
    obj.save()
    report.written += 1
    return obj


def _d(text) -> Decimal:
    return Decimal(str(text))


_day = dt.date.fromisoformat


def _note(item: dict) -> str:
    parts = [item.get("note", ""), item.get("derivation", "")]
    return "；".join(p for p in parts if p)


def _load_targets(ind: Indicator, items: list[dict], report: SeedLoadReport) -> None:
    keep = set()
    for item in items:
        area = item.get("area", "")
        t = _upsert(Target, {"indicator": ind, "area_code": area, "kind": item["kind"],
                             "date": _day(item["date"])},
                    {"value": _d(item["value"]), "citation_seed": item["seed"],
                     "citation_text": item["text"], "note": _note(item)}, report)
        keep.add(t.pk)
        report.targets += 1
    stale = Target.objects.filter(indicator=ind).exclude(citation_seed="").exclude(pk__in=keep)
    report.removed += stale.delete()[0]


def _load_measurements(ind: Indicator, items: list[dict], report: SeedLoadReport) -> None:
    keep = set()
    for item in items:
        area = item.get("area", "")
        district_code, street_code = area_scope_codes(area)
        value = _d(item["value"])
        m = _upsert(Measurement, {"indicator": ind, "area_code": area, "date": _day(item["date"]),
                                  "origin": Origin.SEED},
                    {"value": value, "approved_value": value,
                     "approved_date": _day(item["date"]),
                     "status": Status.APPROVED, "district_code": district_code,
                     "street_code": street_code, "citation_seed": item["seed"],
                     "citation_text": item["text"], "note": _note(item)}, report)
        keep.add(m.pk)
        report.measurements += 1
    stale = Measurement.objects.filter(indicator=ind, origin=Origin.SEED).exclude(pk__in=keep)
    report.removed += stale.delete()[0]


@transaction.atomic
def seeds_load(path: Path | None = None) -> SeedLoadReport:
    data = seed_data(path)
    report = SeedLoadReport()
    for order, p in enumerate(data["plans"], start=1):
        plan = _upsert(Plan, {"code": p["code"]}, {
            "name": p["name"], "period_start": _day(p["period_start"]),
            "period_end": _day(p["period_end"]),
            "source_seed": p.get("source_seed", ""), "notes": p.get("notes", ""),
            "reported_summary": p.get("reported_summary") or {}, "sort_order": order}, report)
        report.plans += 1
        report.plan_codes.append(plan.code)
        aspects = {}
        for n, a in enumerate(p["aspects"], start=1):
            aspects[a["code"]] = _upsert(Aspect, {"plan": plan, "code": a["code"]},
                                         {"name": a["name"], "sort_order": n}, report)
        for n, i in enumerate(p["indicators"], start=1):
            ind = _upsert(Indicator, {"plan": plan, "code": i["code"]}, {
                "aspect": aspects.get(i.get("aspect")), "name": i["name"],
                "unit": i.get("unit", ""), "direction": i.get("direction", "higher"),
                "kind": i.get("kind", "level"), "source": i.get("source", "manual"),
                "compute_key": i.get("compute_key", ""),
                "responsible_unit": i.get("responsible_unit", ""),
                "not_evaluable_reason": i.get("not_evaluable_reason", ""),
                "notes": i.get("notes", ""), "sort_order": n}, report)
            report.indicators += 1
            _load_targets(ind, i.get("targets", []), report)
            _load_measurements(ind, i.get("measurements", []), report)
    return report


def area_names_from_data() -> dict[str, str]:
    return dict(seed_data().get("areas", {}))
