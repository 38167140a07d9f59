"""Routing by the responsibility list (责任清单): category × area → the handling unit.

Which rule wins, for a case of category c located in grid g (community, street, district):
1. the category: a rule for c itself beats a rule for its parent, which beats one for the
   grandparent..., which beats a rule for "every category";
2. then the area: the longest code the case lies in — grid (15) > community (12) > street (9) >
   district (6) > the whole city ('');
3. then the higher priority; then the older rule (lower id).
A rule names a department, or says "the case's own street / community". When the case has no
such code (it was not located), that rule is skipped — the explanation says so — and the next
one is tried. When no rule fits, the category's default unit kind decides: street → the case's
street, community → its community (or its street), department → nobody: a component goes to its
owner first (先属主后属地) and only the list can say who owns it, so the dispatcher chooses.
Events and service requests go to the territory first (先属地后属主).

`route()` walks these steps literally and explains the choice in a Chinese sentence stored on the
case (routing_reason). `Router.route_many()` gives the same unit for arrays of cases: the rules
are precomputed into a dict keyed by (category id, area code) holding, for every category, the
candidate rules of its whole ancestor chain at that area, so a case costs five dict look-ups; and
equal (category, codes) tuples are resolved once. Tests compare the two element by element.
`route_many(..., explain=True)` also gives each case's reason, built once per distinct decision
(category, rule, skipped rules, unit) and taken by index, so a bulk import writes the same text
as `route()` without building a sentence per case.

A Router keeps the area labels it has used ('西城区月坛街道（110102007）') and the reason texts it
has built; get_router() forgets both when the territory revision moves (names can change without
the catalogue changing), so a label is at most one refresh interval old, as the locator is.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import RoutingTarget, UnitKind

NO_CATEGORY = -1
KIND_LABELS = {"component": "部件", "event": "事件", "service": "服务诉求"}


@dataclass(frozen=True)
class RoutingDecision:
    department_id: int | None
    area_code: str  # the street/community that handles it; "" for a department or no decision
    rule_id: int | None  # None: decided by the category's default, or no decision
    reason_zh: str

    @property
    def decided(self) -> bool:
        return self.department_id is not None or bool(self.area_code)


@dataclass(frozen=True)
class _Rule:
    id: int
    category_id: int | None
    area_code: str
    target: str
    department_id: int | None
    priority: int
    note: str


class Router:
    def __init__(self, categories, rules, departments):
        """From selectors.catalogue_rows() and selectors.routing_rows()."""
        self.category = {row[0]: row for row in categories}  # id -> catalogue row
        self.department_name = {d[0]: d[1] for d in departments}
        active_departments = {d[0] for d in departments if d[2]}
        self.chain: dict[int, tuple] = {}  # id -> (id, parent, ..., None)
        for cid in self.category:
            chain, node = [], cid
            while node is not None and node not in chain:
                chain.append(node)
                node = self.category.get(node, (None,) * 4)[3]
            self.chain[cid] = (*chain, None)
        # (category id or None, area code) -> rules, best first.
        self.rules_at: dict[tuple, list[_Rule]] = {}
        for row in rules:
            rule = _Rule(*row)
            if rule.department_id is not None and rule.department_id not in active_departments:
                continue  # a stopped department receives nothing
            if rule.target == RoutingTarget.DEPARTMENT and rule.department_id is None:
                continue
            self.rules_at.setdefault((rule.category_id, rule.area_code), []).append(rule)
        for rules_here in self.rules_at.values():
            rules_here.sort(key=lambda r: (-r.priority, r.id))
        self.rule_by_id = {r.id: r for rules_here in self.rules_at.values() for r in rules_here}
        self.table = self._precompute()
        self._memo: dict[tuple, tuple] = {}  # (category, codes) -> (dept, area, rule, decision)
        self._decisions: dict[tuple, int] = {}  # decision key -> its index in _decision_keys
        self._decision_keys: list[tuple] = []
        self._labels: dict[str, str] = {}  # area code -> label
        self._reasons: dict[tuple, str] = {}  # (language, decision index) -> reason text
        self.territory_revision: int | None = None

    # --- cached labels ---------------------------------------------------------------------------
    def forget_labels(self, territory_revision: int | None = None) -> None:
        """Drop the cached area labels and reason texts (the territory changed)."""
        self._labels.clear()
        self._reasons.clear()
        self.territory_revision = territory_revision

    def area_label(self, code: str) -> str:
        """'西城区月坛街道（110102007）' for a code, '全市' for '' (cached)."""
        if not code:
            return _("全市")
        label = self._labels.get(code)
        if label is None:
            self._load_labels([code])
            label = self._labels[code]
        return label

    def _load_labels(self, codes) -> None:
        """Fetch the labels of the codes not cached yet: one query per level."""
        from civicgrid.territory.models import Community, District, Grid, Street

        missing = {c for c in codes if c and c not in self._labels}
        by_level: dict[int, list[str]] = {}
        for code in missing:
            by_level.setdefault(len(code), []).append(code)
        for length, level_codes in by_level.items():
            model = {6: District, 9: Street, 12: Community, 15: Grid}.get(length)
            names = {}
            if model is not None:
                for i in range(0, len(level_codes), 500):
                    names.update(model.objects.filter(code__in=level_codes[i:i + 500])
                                 .values_list("code", "name"))
            for code in level_codes:
                name = names.get(code)
                self._labels[code] = f"{name}（{code}）" if name else code

    def _precompute(self) -> dict[tuple[int, str], tuple]:
        """(category id, area) -> ((chain position, -priority, id, rule), ...) sorted."""
        descendants: dict[int | None, list[int]] = {None: [*self.category, NO_CATEGORY]}
        for cid, chain in self.chain.items():
            for ancestor in chain[:-1]:
                descendants.setdefault(ancestor, []).append(cid)
        table: dict[tuple[int, str], list] = {}
        for (rule_category, area), rules_here in self.rules_at.items():
            for cid in descendants.get(rule_category, ()):
                chain = self.chain.get(cid, (None,))
                k = chain.index(rule_category)
                table.setdefault((cid, area), []).extend(
                    (k, -r.priority, r.id, r) for r in rules_here)
        return {key: tuple(sorted(v, key=lambda e: e[:3])) for key, v in table.items()}

    # --- one case, explained -------------------------------------------------------------------
    def route(self, category_id: int | None, district_code: str = "", street_code: str = "",
              community_code: str = "", grid_code: str = "") -> RoutingDecision:
        codes = {9: street_code or "", 12: community_code or ""}
        areas = [a for a in (grid_code, community_code, street_code, district_code) if a] + [""]
        chain = self.chain.get(category_id, (None,)) if category_id is not None else (None,)
        skipped: list[str] = []
        for rule_category in chain:
            for area in areas:
                for rule in self.rules_at.get((rule_category, area), ()):
                    decision = self._apply(rule, codes)
                    if decision is None:
                        skipped.append(_explain_skip(rule))
                        continue
                    dept, unit_area = decision
                    reason = self._explain_rule(rule, category_id, unit_area, dept)
                    return RoutingDecision(dept, unit_area, rule.id, _join(skipped, reason))
        dept, unit_area, reason = self._fallback(category_id, codes, explain=True)
        return RoutingDecision(dept, unit_area, None, _join(skipped, reason))

    @staticmethod
    def _apply(rule: _Rule, codes: dict[int, str]) -> tuple[int | None, str] | None:
        if rule.target == RoutingTarget.DEPARTMENT:
            return rule.department_id, ""
        code = codes[9] if rule.target == RoutingTarget.STREET else codes[12]
        return (None, code) if code else None

    def _fallback(self, category_id, codes, *, explain: bool = False):
        row = self.category.get(category_id)
        if row is None:
            return None, "", explain and self._fallback_reason(None, "")
        unit = row[7]
        if unit == UnitKind.COMMUNITY and codes[12]:
            area = codes[12]
        elif unit in (UnitKind.STREET, UnitKind.COMMUNITY) and codes[9]:
            area = codes[9]
        else:
            area = ""
        if not explain:
            return None, area, ""
        return None, area, self._fallback_reason(category_id, area)

    def _fallback_reason(self, category_id, area: str) -> str:
        """The reason when no rule fits a case of this category (its default unit: `area`)."""
        row = self.category.get(category_id)
        if row is None:
            return _("未选择问题分类，责任清单中也没有适用于所有分类的规则，请派遣员手工选择处置单位")
        name, kind, unit = row[2], row[6], row[7]
        head = _("责任清单没有适用于“%(name)s”的规则") % {"name": name}
        if area:
            level = _("社区") if len(area) == 12 else _("街道")
            reason = _("%(head)s，按该分类的默认处置单位（属地%(level)s，%(kind)s先属地后属主）"
                       "派往 %(unit)s") % {"head": head, "level": level,
                                          "unit": self.area_label(area),
                                          "kind": KIND_LABELS.get(kind, "")}
        elif unit in (UnitKind.STREET, UnitKind.COMMUNITY):
            reason = _("%(head)s；该分类默认由属地处置，但案件没有街道、社区编码（未定位），"
                       "请派遣员手工选择处置单位") % {"head": head}
        else:
            reason = _("%(head)s；该%(kind)s默认由权属部门处置（先属主后属地），但责任清单未指定"
                       "部门，请派遣员手工选择处置单位") % {"head": head,
                                                         "kind": KIND_LABELS.get(kind, "分类")}
        return reason

    def _explain_rule(self, rule: _Rule, category_id, unit_area: str, dept) -> str:
        if rule.category_id is None:
            what = _("所有分类")
        else:
            what = _("%(name)s类") % {"name": self.category[rule.category_id][2]}
            if rule.category_id != category_id and category_id in self.category:
                what += _("（本案“%(name)s”属于该类）") % {"name": self.category[category_id][2]}
        principle = (_("先属主后属地，由权属部门处置") if rule.target == RoutingTarget.DEPARTMENT
                     else _("先属地后属主，由属地处置"))
        parts = [what, self.area_label(rule.area_code)]
        if not any(p in rule.note for p in ("先属主后属地", "先属地后属主")):
            parts.append(principle)  # the note usually says it already
        if rule.note:
            parts.append(_("依据：%(note)s") % {"note": rule.note})
        unit = (self.department_name.get(dept, str(dept)) if dept is not None
                else self.area_label(unit_area))
        return _("按责任清单规则#%(id)d（%(parts)s）派往 %(unit)s") % {
            "id": rule.id, "parts": "，".join(parts), "unit": unit}

    # --- many cases ----------------------------------------------------------------------------
    def _resolve(self, key: tuple) -> tuple[int, str, int, int]:
        """(department id or -1, unit area, rule id or -1, decision index) of one case: the
        rule route() would choose, and the inapplicable rules it would skip on the way."""
        cid, district, street, community, grid = key
        if cid not in self.category:
            cid = NO_CATEGORY
        codes = {9: street, 12: community}
        table = self.table
        best = None
        skipped = []
        for area in [a for a in (grid, community, street, district) if a] + [""]:
            for entry in table.get((cid, area), ()):
                rule = entry[3]
                rank = (entry[0], -len(area), entry[1], entry[2])
                if self._apply(rule, codes) is None:
                    skipped.append((rank, rule.id))
                    continue
                if best is None or rank < best[0]:
                    best = (rank, rule)
                break  # entries are sorted: the first usable one is this area's best
        if best is not None:
            skipped = [s for s in skipped if s[0] < best[0]]
        skipped_ids = tuple(s[1] for s in sorted(skipped))
        explained = cid if cid != NO_CATEGORY else None
        if best is not None:
            dept, area = self._apply(best[1], codes)
            decision = self._decision((explained, best[1].id, skipped_ids, dept, area))
            return (dept if dept is not None else -1), area, best[1].id, decision
        dept, area, _r = self._fallback(explained, codes)
        return -1, area, -1, self._decision((explained, None, skipped_ids, None, area))

    def _decision(self, key: tuple) -> int:
        index = self._decisions.get(key)
        if index is None:
            index = self._decisions[key] = len(self._decision_keys)
            self._decision_keys.append(key)
        return index

    def _reason(self, index: int) -> str:
        """The reason text of a decision, exactly as route() words it (cached per language)."""
        cache_key = (get_language(), index)
        text = self._reasons.get(cache_key)
        if text is None:
            category_id, rule_id, skipped_ids, dept, area = self._decision_keys[index]
            skipped = [_explain_skip(self.rule_by_id[r]) for r in skipped_ids]
            if rule_id is not None:
                reason = self._explain_rule(self.rule_by_id[rule_id], category_id, area, dept)
            else:
                reason = self._fallback_reason(category_id, area)
            text = self._reasons[cache_key] = _join(skipped, reason)
        return text

    def route_many(self, category_ids, district_codes, street_codes, community_codes,
                   grid_codes, *, explain: bool = False) -> tuple[np.ndarray, ...]:
        """(department ids (-1 none), unit area codes ("" none), rule ids (-1 none)) per case;
        category id -1 means none. Equal to route() element by element. With explain=True a
        fourth array holds each case's reason_zh: one sentence per distinct decision, taken by
        index (the labels it needs are fetched together, one query per level)."""
        memo, resolve = self._memo, self._resolve
        hits = []
        append = hits.append
        cids = np.asarray(category_ids, dtype=np.int64).tolist()
        for key in zip(cids, _strs(district_codes), _strs(street_codes),
                       _strs(community_codes), _strs(grid_codes), strict=True):
            hit = memo.get(key)
            if hit is None:
                hit = resolve(key)
                if len(memo) < 1_000_000:
                    memo[key] = hit
            append(hit)
        n = len(hits)
        depts = np.fromiter((h[0] for h in hits), dtype=np.int64, count=n)
        rules = np.fromiter((h[2] for h in hits), dtype=np.int64, count=n)
        areas = np.empty(n, dtype=object)
        areas[:] = [h[1] for h in hits]
        if not explain:
            return depts, areas, rules
        decisions = np.fromiter((h[3] for h in hits), dtype=np.int64, count=n)
        uniq, inverse = np.unique(decisions, return_inverse=True)
        keys = [self._decision_keys[d] for d in uniq.tolist()]
        self._load_labels({k[4] for k in keys} | {self.rule_by_id[k[1]].area_code
                                                  for k in keys if k[1] is not None})
        texts = np.empty(len(uniq), dtype=object)
        texts[:] = [self._reason(d) for d in uniq.tolist()]
        return depts, areas, rules, texts[inverse.ravel()]


def _strs(values) -> list:
    return [v or "" for v in values]  # None and NaN-free object arrays; "" means no code


def _level(target: str) -> str:
    return _("街道") if target == RoutingTarget.STREET else _("社区")


def _explain_skip(rule: _Rule) -> str:
    return _("规则#%(id)d要求派往属地%(level)s，但案件没有%(level)s编码，已跳过") % {
        "id": rule.id, "level": _level(rule.target)}


def _join(skipped: list[str], reason: str) -> str:
    return "；".join([*skipped, reason]) if skipped else reason


# --- the module API ------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict = {"router": None, "version": None, "generation": -1, "checked": 0.0}


def get_router(*, refresh: bool = False) -> Router:
    """The router of the current catalogue and rules; rebuilt like classify.get_classifier."""
    from django.conf import settings

    from civicgrid.territory.selectors import territory_revision

    from .selectors import catalogue_rows, routing_rows
    from .services import dispatch_generation

    interval = settings.CIVICGRID.get("LOCATOR_REFRESH_SECONDS", 2.0)
    now, generation = time.monotonic(), dispatch_generation()
    with _lock:
        if (not refresh and _cache["router"] is not None
                and generation == _cache["generation"] and now - _cache["checked"] < interval):
            return _cache["router"]
        categories = catalogue_rows()
        rules, departments = routing_rows()
        version = hash((tuple(categories), tuple(rules), tuple(departments)))
        if refresh or _cache["router"] is None or version != _cache["version"]:
            _cache["router"] = Router(categories, rules, departments)
            _cache["version"] = version
        router = _cache["router"]
        # Labels and reasons name areas: forget them when the territory moved, and when the
        # dispatch generation moved (tests swap whole databases under an unchanged catalogue).
        revision = territory_revision()
        if revision != router.territory_revision or generation != _cache["generation"]:
            router.forget_labels(revision)
        _cache["generation"], _cache["checked"] = generation, now
        return router


def route(*, category, district_code: str = "", street_code: str = "",
          community_code: str = "", grid_code: str = "") -> RoutingDecision:
    """The handling unit of a case by the responsibility list, with the reason in Chinese.
    `category`: a Category, its id, or None."""
    category_id = getattr(category, "pk", category)
    return get_router().route(category_id, district_code or "", street_code or "",
                              community_code or "", grid_code or "")
