"""The gazetteer: address text → community / street candidates, for cases without coordinates
(12345 hotline calls say "西城区月坛街道三里河一区社区..." or just "三里河一区3号楼").

Every official name is indexed under the forms people actually write: the full name, the name
without its administrative suffix (社区居委会, 村委会, 街道办事处, 镇, 区...) and the aliases of
PlaceAlias. Looking an address up never loops over the names: the index is a dict keyed by the
name form, and the address is scanned position by position, trying only the lengths of the forms
that start with the two characters found there (a dict of 2-character prefixes). Cost grows with
the address, not with the number of names.

Scoring is deliberately explicit (weights below): a full name beats a short form, a place whose
street or district is also written in the text gains, one whose street or district contradicts
the text loses, and candidates that cannot be told apart share their confidence, so a short name
used by three communities yields three low-confidence candidates, never a silent pick.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicgrid.core.codes import LEVEL_LABELS, LEVEL_OF_LENGTH, level_of

# The committee/office forms of an official name, and what people write for them: the name
# still read as full (三里河一区社区居委会 → 三里河一区社区, 南天门村委会 → 南天门村).
FULL_REPLACEMENTS = (("社区居民委员会", "社区"), ("社区居委会", "社区"), ("村民委员会", "村"),
                     ("村委会", "村"), ("居民委员会", ""), ("居委会", ""),
                     ("街道办事处", "街道"), ("地区办事处", "地区"), ("办事处", ""))
COMMITTEE_OF = {"社区": "居委会", "村": "村委会"}
# Suffixes whose removal leaves the short form (三里河一区, 月坛, 西城).
SHORT_SUFFIXES = {
    "community": ("社区", "村"),
    "street": ("街道", "地区", "满族乡", "回族乡", "民族乡", "乡", "镇"),
    "district": ("区", "县"),
}
MIN_FORM_LENGTH = 2

# Form kinds and their weights per level (the confidence of a match with no context).
FULL, ALIAS, SHORT = "full", "alias", "short"
KIND_RANK = {FULL: 3, ALIAS: 2, SHORT: 1}
WEIGHTS = {
    "community": {FULL: 0.7, ALIAS: 0.6, SHORT: 0.5},
    "grid": {FULL: 0.7, ALIAS: 0.6, SHORT: 0.5},
    "street": {FULL: 0.7, ALIAS: 0.6, SHORT: 0.5},
    "district": {FULL: 0.6, ALIAS: 0.5, SHORT: 0.45},
}
SHORT_TWO_CHARS_PENALTY = 0.1  # "月坛" is more often part of a road name than "三里河一区"
# 大辛庄 is the full name of one community and the short name of two villages: the full name
# ranks first but is not confident on its own.
SHARED_FORM_PENALTY = 0.15
CONTEXT_BONUS = {6: 0.15, 9: 0.25, 12: 0.25}  # ancestor of that code length written in the text
CONFLICT_PENALTY = 0.25  # the text names another street/district than this place's
CONFIDENT_AT, CONFIDENT_MARGIN = 0.6, 0.2

REASONS = {
    FULL: gettext_noop("%(level)s名称“%(form)s”匹配"),
    ALIAS: gettext_noop("别名“%(form)s”对应该%(level)s"),
    SHORT: gettext_noop("%(level)s简称“%(form)s”匹配"),
    "context": gettext_noop("所属%(level)s“%(name)s”在地址中出现"),
    "conflict": gettext_noop("地址中的“%(form)s”不是它所属的%(level)s"),
    "tie": gettext_noop("有%(k)d个%(level)s同样符合，无法区分，请人工确认"),
}

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Full-width → half-width (NFKC), no whitespace, Latin lower-case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def name_forms(name: str, level: str) -> dict[str, str]:
    """Every form of an official name, with its kind (full or short)."""
    full = normalize(name)
    forms = {full: FULL}
    for suffix, replacement in FULL_REPLACEMENTS:
        if full.endswith(suffix) and len(full) - len(suffix) >= MIN_FORM_LENGTH:
            forms[full[: -len(suffix)] + replacement] = FULL
            break
    for form in list(forms):
        for suffix in SHORT_SUFFIXES.get(level, ()):
            stripped = form[: -len(suffix)]
            if form.endswith(suffix) and len(stripped) >= MIN_FORM_LENGTH:
                forms.setdefault(stripped, SHORT)
                # 三里河一区社区 is also written 三里河一区居委会: a full form too.
                committee = COMMITTEE_OF.get(suffix)
                if committee:
                    forms[stripped + committee] = FULL
                break
    return forms


@dataclass(frozen=True)
class Candidate:
    code: str
    level: str  # district / street / community (grid when an alias names a grid)
    name: str
    street_code: str  # "" for a district
    district_code: str
    confidence: float  # 0..1
    matched: tuple[str, ...]  # the substrings of the (normalised) text that support it
    # (template key, parameters): translated only when read, bulk imports never pay for it.
    reasons: tuple[tuple[str, dict], ...] = field(default=(), compare=False, repr=False)

    @property
    def reason_zh(self) -> str:
        return "；".join(_(REASONS[key]) % params for key, params in self.reasons)

    def as_json(self) -> dict:
        return {"code": self.code, "level": self.level, "name": self.name,
                "street_code": self.street_code, "district_code": self.district_code,
                "confidence": round(self.confidence, 3), "matched": list(self.matched),
                "reason": self.reason_zh}


def is_confident(candidates: list[Candidate]) -> bool:
    """True when the first candidate is good enough and clearly ahead of the second; otherwise a
    person should choose (the hotline operator, the street dispatcher)."""
    if not candidates or candidates[0].confidence < CONFIDENT_AT:
        return False
    return len(candidates) == 1 or (
        candidates[0].confidence - candidates[1].confidence >= CONFIDENT_MARGIN)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class Gazetteer:
    def __init__(self, nodes: Iterable[tuple[str, str]], aliases: Iterable[tuple[str, str]] = ()):
        """`nodes`: (code, official name); the level comes from the code's length and the
        ancestors from its prefixes (codes nest). `aliases`: (alias, code)."""
        self.codes: list[str] = []
        self.names: list[str] = []
        self._idx_of: dict[str, int] = {}
        self._index: dict[str, list[tuple[int, str]]] = {}
        for code, name in nodes:
            level = level_of(code)
            if level not in WEIGHTS or code in self._idx_of:
                continue
            i = self._add_node(code, name)
            for form, kind in name_forms(name, level).items():
                self._add_form(form, i, kind)
        for alias, code in aliases:
            i = self._idx_of.get(code)
            form = normalize(alias)
            if i is not None and len(form) >= MIN_FORM_LENGTH:
                self._add_form(form, i, ALIAS)
        prefix_lengths: dict[str, set[int]] = {}
        for form in self._index:
            prefix_lengths.setdefault(form[:2], set()).add(len(form))
        # Longest first, so that a scan finds 三里河一区社区 before 三里河一区 at one position.
        self._lengths = {p: tuple(sorted(ls, reverse=True)) for p, ls in prefix_lengths.items()}

    def _add_node(self, code: str, name: str) -> int:
        self._idx_of[code] = len(self.codes)
        self.codes.append(code)
        self.names.append(name)
        return len(self.codes) - 1

    def _add_form(self, form: str, i: int, kind: str) -> None:
        entries = self._index.setdefault(form, [])
        for j, (node, old) in enumerate(entries):
            if node == i:  # keep the strongest kind of a form for one node
                if KIND_RANK[kind] > KIND_RANK[old]:
                    entries[j] = (i, kind)
                return
        entries.append((i, kind))

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Iterable, aliases: Iterable[tuple[str, str]] = ()) -> Gazetteer:
        """From rows of (code, name) tuples or dicts with "code" and "name" (e.g. the demo CSV
        with columns level,code,name,parent_code,kind)."""

        def pairs():
            for row in rows:
                yield (row["code"], row["name"]) if isinstance(row, dict) else (row[0], row[1])

        return cls(pairs(), aliases)

    @classmethod
    def from_db(cls) -> Gazetteer:
        from .models import Community, District, PlaceAlias, Street

        nodes: list[tuple[str, str]] = []
        for model in (District, Street, Community):
            nodes.extend(model.objects.order_by("code").values_list("code", "name"))
        aliases = PlaceAlias.objects.order_by("id").values_list("alias", "code")
        return cls(nodes, aliases)

    def __len__(self) -> int:
        return len(self.codes)

    def name_of(self, code: str) -> str:
        i = self._idx_of.get(code)
        return self.names[i] if i is not None else ""

    # --- matching -------------------------------------------------------------------------------
    def _scan(self, text: str) -> list[tuple[int, int, str]]:
        """Every (start, end, form) of an indexed form in the text, without the matches lying
        strictly inside a longer one (三里河 inside 三里河一区社区 is not a second place)."""
        found = []
        lengths, index, n = self._lengths, self._index, len(text)
        for i in range(n - 1):
            for length in lengths.get(text[i:i + 2], ()):
                if i + length <= n and text[i:i + length] in index:
                    found.append((i, i + length, text[i:i + length]))
        return [m for m in found
                if not any(o[0] <= m[0] and m[1] <= o[1] and o[1] - o[0] > m[1] - m[0]
                           for o in found)]

    def resolve(self, text: str, *, limit: int = 5) -> list[Candidate]:
        """Candidates for the place an address names, best first; [] when none is recognised."""
        text = normalize(text)
        codes = self.codes
        # node -> (weight, form, span, kind)
        evidence: dict[int, tuple[float, str, tuple[int, int], str]] = {}
        for start, end, form in self._scan(text):
            entries = self._index[form]
            for node, kind in entries:
                weight = WEIGHTS[LEVEL_OF_LENGTH[len(codes[node])]][kind]
                if kind == SHORT and len(form) <= 2:
                    weight -= SHORT_TWO_CHARS_PENALTY
                if len(entries) > 1 and any(
                        KIND_RANK[k] < KIND_RANK[kind] and len(codes[o]) == len(codes[node])
                        for o, k in entries):
                    weight -= SHARED_FORM_PENALTY
                if node not in evidence or weight > evidence[node][0]:
                    evidence[node] = (weight, form, (start, end), kind)
        if not evidence:
            return []
        by_length: dict[int, list[int]] = {}
        for node in evidence:
            by_length.setdefault(len(codes[node]), []).append(node)

        scored = []  # (score, node, matched forms, reasons)
        implied: set[int] = set()  # ancestors that a candidate below them already stands for
        for node, (weight, form, span, kind) in evidence.items():
            code = codes[node]
            reasons = [(kind, {"level": LEVEL_LABELS[LEVEL_OF_LENGTH[len(code)]], "form": form})]
            matched = [form]
            score = weight
            for n in (6, 9, 12):
                if n >= len(code):
                    break
                others = [o for o in by_length.get(n, ()) if not _overlap(evidence[o][2], span)]
                if not others:
                    continue
                anc = self._idx_of.get(code[:n])
                label = LEVEL_LABELS[LEVEL_OF_LENGTH[n]]
                if anc in others:
                    score += CONTEXT_BONUS[n]
                    implied.add(anc)
                    matched.append(evidence[anc][1])
                    reasons.append(("context", {"level": label, "name": self.names[anc]}))
                else:
                    score -= CONFLICT_PENALTY
                    reasons.append(("conflict", {"level": label, "form": evidence[others[0]][1]}))
            scored.append((min(max(score, 0.0), 1.0), node, matched, reasons))

        scored = [s for s in scored if s[1] not in implied]
        # Candidates of one level with the same score cannot be told apart: they share it.
        ties: dict[tuple[int, float], int] = {}
        for score, node, _m, _r in scored:
            key = (len(codes[node]), round(score, 3))
            ties[key] = ties.get(key, 0) + 1
        out = []
        for score, node, matched, reasons in scored:
            code = codes[node]
            level = LEVEL_OF_LENGTH[len(code)]
            k = ties[(len(code), round(score, 3))]
            if k > 1:
                reasons.append(("tie", {"k": k, "level": LEVEL_LABELS[level]}))
            out.append(Candidate(
                code=code, level=level, name=self.names[node],
                street_code=code[:9] if len(code) >= 9 else "", district_code=code[:6],
                confidence=round(score / k, 4), matched=tuple(matched), reasons=tuple(reasons)))
        out.sort(key=lambda c: (-c.confidence, -len(c.code), c.code))
        return out[:limit]


# --- the process-wide instance ---------------------------------------------------------------

_lock = threading.Lock()
_cache: dict = {"gazetteer": None, "revision": None, "checked": 0.0}


def get_gazetteer(*, refresh: bool = False) -> Gazetteer:
    """The gazetteer of the current territory, rebuilt when the territory revision changes.
    The revision is read at most every LOCATOR_REFRESH_SECONDS (one tiny query), like a cache."""
    from django.conf import settings

    from .selectors import territory_revision

    interval = settings.CIVICGRID.get("LOCATOR_REFRESH_SECONDS", 2.0)
    now = time.monotonic()
    with _lock:
        if not refresh and _cache["gazetteer"] is not None and now - _cache["checked"] < interval:
            return _cache["gazetteer"]
        revision = territory_revision()
        if refresh or _cache["gazetteer"] is None or revision != _cache["revision"]:
            # Read the revision first: a change during the build is picked up next time.
            _cache["gazetteer"] = Gazetteer.from_db()
            _cache["revision"] = revision
        _cache["checked"] = now
        return _cache["gazetteer"]


def reset_gazetteer() -> None:
    """Forget the cached gazetteer (tests; after restoring a database)."""
    with _lock:
        _cache.update(gazetteer=None, revision=None, checked=0.0)
