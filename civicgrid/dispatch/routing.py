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
case (routing_reason); `Router.route_many()` gives the same answers for arrays of cases (tests
compare them). Area labels and sentences are cached per Router and dropped when the territory
revision moves (get_router), so a label is at most one refresh interval old, as the locator is.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import RoutingTarget, UnitKind

NO_CATEGORY = -1
KIND_LABELS = {"component": "部件", "event": "事件", "service": "服务诉求"}
UNIT = "\x00"  # where the unit's name goes in a cached reason sentence


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
        self._category_ids = np.array(sorted(self.category), dtype=np.int64)
        self._rule_areas = np.array(sorted({a for _c, a in self.rules_at if a}), dtype=str)
        self._memo: dict[tuple, tuple] = {}  # route_many's groups -> (rule, skipped rule ids)
        self.forget_labels(None)

    # --- cached labels ---------------------------------------------------------------------------
    def forget_labels(self, territory_revision: int | None) -> None:
        """Drop the cached area labels and the sentences naming them (the territory moved)."""
        self._labels: dict[str, str] = {}  # area code -> label
        self._reasons: dict[tuple, str] = {}  # (language, decision) -> reason text
        self._frames: dict[tuple, tuple[str, str]] = {}  # sentences around the unit's name
        self.territory_revision = territory_revision

    def area_label(self, code: str) -> str:
        """'西城区月坛街道（110102007）' for a code, '全市' for '' (cached)."""
        if not code:
            return _("全市")
        if code not in self._labels:
            self._load_labels([code])
        return self._labels[code]

    def _load_labels(self, codes) -> None:
        """Fetch the labels of the codes not cached yet: a query per level (and 500 codes)."""
        from civicgrid.territory.models import Community, District, Grid, Street

        missing = sorted({c for c in codes if c and c not in self._labels})
        names: dict[str, str] = {}
        for length, model in ((6, District), (9, Street), (12, Community), (15, Grid)):
            level = [c for c in missing if len(c) == length]
            for i in range(0, len(level), 500):
                names.update(model.objects.filter(code__in=level[i:i + 500])
                             .values_list("code", "name"))
        for code in missing:
            self._labels[code] = f"{names[code]}（{code}）" if names.get(code) else code

    def _precompute(self) -> dict[tuple[int, str], tuple]:
        """(category id, area) -> ((chain position, -priority, id, rule), ...) sorted: the
        candidate rules of a category's whole ancestor chain at an area."""
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
        area = ("", codes[9], codes[12])[self._default_unit(category_id, codes[9], codes[12])]
        reason = self._fallback_reason(category_id, area)
        return RoutingDecision(None, area, None, _join(skipped, reason))

    @staticmethod
    def _apply(rule: _Rule, codes: dict[int, str]) -> tuple[int | None, str] | None:
        """(department, area) of a rule for a case with these codes; None: not applicable."""
        if rule.target == RoutingTarget.DEPARTMENT:
            return rule.department_id, ""
        code = codes[9] if rule.target == RoutingTarget.STREET else codes[12]
        return (None, code) if code else None

    def _default_unit(self, category_id, has_street, has_community) -> int:
        """No rule fits: the category's default unit kind decides (0: nobody, 1: the case's
        street, 2: its community)."""
        unit = self.category.get(category_id, (None,) * 8)[7]
        if unit == UnitKind.COMMUNITY and has_community:
            return 2
        return 1 if unit in (UnitKind.STREET, UnitKind.COMMUNITY) and has_street else 0

    def _fallback_reason(self, category_id, area: str, lang: str | None = None) -> str:
        """The reason when no rule fits a case of this category (its default unit: `area`)."""
        before, after = self._framed(("fallback", category_id, len(area) if area else 0),
                                     lambda: self._fallback_sentence(category_id, area), lang)
        return before + (self.area_label(area) if area else "") + after

    def _fallback_sentence(self, category_id, area: str) -> str:
        row = self.category.get(category_id)
        if row is None:
            return _("未选择问题分类，责任清单中也没有适用于所有分类的规则，请派遣员手工选择处置单位")
        name, kind, unit = row[2], row[6], row[7]
        head = _("责任清单没有适用于“%(name)s”的规则") % {"name": name}
        if area:
            level = _("社区") if len(area) == 12 else _("街道")
            reason = _("%(head)s，按该分类的默认处置单位（属地%(level)s，%(kind)s先属地后属主）"
                       "派往 %(unit)s") % {"head": head, "level": level, "unit": UNIT,
                                          "kind": KIND_LABELS.get(kind, "")}
        elif unit in (UnitKind.STREET, UnitKind.COMMUNITY):
            reason = _("%(head)s；该分类默认由属地处置，但案件没有街道、社区编码（未定位），"
                       "请派遣员手工选择处置单位") % {"head": head}
        else:
            reason = _("%(head)s；该%(kind)s默认由权属部门处置（先属主后属地），但责任清单未指定"
                       "部门，请派遣员手工选择处置单位") % {"head": head,
                                                         "kind": KIND_LABELS.get(kind, "分类")}
        return reason

    def _explain_rule(self, rule: _Rule, category_id, unit_area: str, dept,
                      lang: str | None = None) -> str:
        before, after = self._framed(("rule", rule.id, category_id),
                                     lambda: self._rule_sentence(rule, category_id), lang)
        unit = (self.department_name.get(dept, str(dept)) if dept is not None
                else self.area_label(unit_area))
        return before + unit + after

    def _rule_sentence(self, rule: _Rule, category_id) -> str:
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
        return _("按责任清单规则#%(id)d（%(parts)s）派往 %(unit)s") % {
            "id": rule.id, "parts": "，".join(parts), "unit": UNIT}

    def _framed(self, key: tuple, sentence, lang: str | None) -> tuple[str, str]:
        """A sentence with a slot for the unit, built once per language: (before, after)."""
        key = (lang or get_language(), *key)
        if key not in self._frames:
            self._frames[key] = sentence().partition(UNIT)[::2]
        return self._frames[key]

    # --- many cases ----------------------------------------------------------------------------
    def _decide(self, key: tuple) -> tuple[_Rule | None, tuple[int, ...]]:
        """The rule route() picks for category `cid` (NO_CATEGORY: none) in `areas` (the case's
        codes that carry rules, most specific first) with / without street and community
        codes, and the inapplicable rules it skips on the way, in route()'s order."""
        cid, areas, has_street, has_community = key
        best, skipped = None, []
        for area in (*areas, ""):
            for k, minus_priority, rule_id, rule in self.table.get((cid, area), ()):
                rank = (k, -len(area), minus_priority, rule_id)
                if rule.target != RoutingTarget.DEPARTMENT and not (
                        has_street if rule.target == RoutingTarget.STREET else has_community):
                    skipped.append((rank, rule_id))
                    continue
                if best is None or rank < best[0]:
                    best = (rank, rule)
                break  # entries are sorted: the first usable one is this area's best
        skipped = sorted(s for s in skipped if best is None or s[0] < best[0])
        return (best[1] if best else None), tuple(s[1] for s in skipped)

    def _reason(self, decision: tuple, lang: str) -> str:
        """route()'s words for (category, rule id, skipped rule ids, department, area)."""
        text = self._reasons.get((lang, decision))
        if text is None:
            category_id, rule_id, skipped_ids, dept, area = decision
            reason = (self._explain_rule(self.rule_by_id[rule_id], category_id, area, dept, lang)
                      if rule_id is not None else self._fallback_reason(category_id, area, lang))
            text = self._reasons[lang, decision] = _join(
                [_explain_skip(self.rule_by_id[r]) for r in skipped_ids], reason)
        return text

    def route_many(self, category_ids, district_codes, street_codes, community_codes,
                   grid_codes, *, explain: bool = False) -> tuple[np.ndarray, ...]:
        """(department ids (-1 none), unit area codes ("" none), rule ids (-1 none)) per case;
        category id -1 means none; with explain=True a fourth array holds each reason_zh. Only
        codes of areas that have rules matter, so cases are grouped by (category, those codes,
        has a street code, has a community code), each group is decided once (_decide), each
        distinct (group, unit) explained once, and rows take their answers by index."""
        cids = np.asarray(category_ids, dtype=np.int64)
        n, ids, known = len(cids), self._category_ids, self._rule_areas
        street, community = _codes(street_codes, n), _codes(community_codes, n)
        cat = np.searchsorted(ids, cids)  # the category's index; len(ids): none or unknown
        inside = cat < len(ids)
        cat[inside] = np.where(ids[cat[inside]] == cids[inside], cat[inside], len(ids))
        levels = []  # per level: 1 + the index in `known` of a code that has rules, else 0
        for col in (_codes(grid_codes, n), community, street, _codes(district_codes, n)):
            pos = np.minimum(np.searchsorted(known, col), max(len(known) - 1, 0))
            hit = (known[pos] == col) & (col != "") if len(known) else np.zeros(n, bool)
            levels.append(np.where(hit, pos + 1, 0))
        groups, inverse = _groups([cat, *levels, street != "", community != ""],
                                  [len(ids) + 1] + [len(known) + 1] * 4 + [2, 2])
        g_dept, g_rule, g_unit, g_key = (np.full(len(groups), -1), np.full(len(groups), -1),
                                         np.zeros(len(groups), np.int8), [])
        cat_ids = [*ids.tolist(), NO_CATEGORY]
        for i, row in enumerate(groups.tolist()):
            cid, hs, hc = cat_ids[row[0]], bool(row[5]), bool(row[6])
            key = (cid, tuple(str(known[j - 1]) for j in row[1:5] if j), hs, hc)
            rule, skipped = self._memo.get(key) or self._memo.setdefault(key, self._decide(key))
            if rule is None:  # 0: no area, 1: the case's street, 2: its community
                g_unit[i] = self._default_unit(cid, hs, hc)
            elif rule.target == RoutingTarget.DEPARTMENT:
                g_dept[i] = rule.department_id
            else:
                g_unit[i] = 1 if rule.target == RoutingTarget.STREET else 2
            g_rule[i] = rule.id if rule else -1
            g_key.append((cid if cid != NO_CATEGORY else None, rule, skipped))
        unit = g_unit[inverse]
        area_codes = np.where(unit == 1, street, np.where(unit == 2, community, ""))
        depts, areas, rules = g_dept[inverse], area_codes.astype(object), g_rule[inverse]
        if not explain:
            return depts, areas, rules
        area_uniq, area_index = np.unique(area_codes, return_inverse=True)
        pairs, pair_index = np.unique(inverse * len(area_uniq) + area_index.ravel(),
                                      return_inverse=True)
        keys = []
        for p in pairs.tolist():
            cid, rule, skipped = g_key[p // len(area_uniq)]
            dept = rule.department_id if rule and rule.target == RoutingTarget.DEPARTMENT else None
            keys.append((cid, rule and rule.id, skipped, dept, str(area_uniq[p % len(area_uniq)])))
        self._load_labels({k[4] for k in keys} | {self.rule_by_id[k[1]].area_code
                                                  for k in keys if k[1] is not None})
        texts, lang = np.empty(len(keys), dtype=object), get_language()
        texts[:] = [self._reason(k, lang) for k in keys]
        return depts, areas, rules, texts[pair_index.ravel()]


def _groups(columns: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of small non-negative int columns (column k < sizes[k]) and each
    row's group: one int64 key per row when the sizes allow it, else rows compared whole."""
    if math.prod(sizes) >= 2 ** 62:
        rows, inverse = np.unique(np.column_stack(columns).astype(np.int64), axis=0,
                                  return_inverse=True)
        return rows, inverse.ravel()
    key = np.zeros(len(columns[0]), np.int64)
    for col, size in zip(columns, sizes, strict=True):
        key = key * size + col
    uniq, inverse = np.unique(key, return_inverse=True)
    rows = np.empty((len(uniq), len(columns)), np.int64)
    for k in range(len(columns) - 1, -1, -1):
        uniq, rows[:, k] = np.divmod(uniq, sizes[k])
    return rows, inverse.ravel()


def _codes(values, n: int) -> np.ndarray:
    """Codes as a unicode array, None as ""."""
    a = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if a.dtype == object:
        a = np.where(a == None, "", a).astype(str) if n else np.zeros(0, "U1")  # noqa: E711
    return a


def _explain_skip(rule: _Rule) -> str:
    level = _("街道") if rule.target == RoutingTarget.STREET else _("社区")
    return _("规则#%(id)d要求派往属地%(level)s，但案件没有%(level)s编码，已跳过") % {
        "id": rule.id, "level": level}


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
