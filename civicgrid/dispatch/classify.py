"""Category suggestions from a case's description, by the keywords of the catalogue.

Each active category contributes its name and its keywords (editable in the catalogue). A text
is normalised like addresses are (gazetteer.normalize: full-width → half-width, no spaces, lower
case) and scanned once by one regular expression of every keyword (a trie, see trie_pattern), so
at each position the longest keyword wins and a keyword inside a longer one found there does not count
again (污水井盖 is one match, not also 井盖). The scan runs in C; the cost grows with the text,
not with the number of keywords.

Scoring, deliberately simple and visible to the operator (`matched` lists the words):
- a keyword weighs its length, divided by the square root of the number of categories sharing
  it (a word that five categories use says less than a word only one uses);
- a category inherits half of its ancestors' score (the text is about 公用设施 and about 路灯);
- an ancestor of another matched category is not suggested (the leaf over its parent), and on
  equal scores the deeper category comes first.
`suggest_many` applies the same rules to many texts and returns the best category id per text
(-1 for none); results are memoised per set of matched keywords, which repeat a lot.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass

import numpy as np

from civicgrid.territory.gazetteer import normalize

from .catalogue import split_keywords

INHERIT = 0.5  # share of an ancestor's score a category inherits
MIN_SCORE = 1.0  # below this (one single character shared by many), suggest nothing


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    code: str
    name: str
    score: float
    matched: tuple[str, ...]  # the keywords found in the text that support it


class Classifier:
    def __init__(self, rows):
        """`rows`: (id, code, name, parent_id, keywords, active, ...) as selectors.catalogue_rows
        returns them; inactive categories are not suggested."""
        self.ids: list[int] = []
        self.codes: list[str] = []
        self.names: list[str] = []
        parent_of: dict[int, int | None] = {}
        words: dict[str, set[int]] = {}
        active = {}
        for row in rows:
            cid, code, name, parent_id, keywords, is_active = row[:6]
            parent_of[cid] = parent_id
            active[cid] = is_active
            if not is_active:
                continue
            i = len(self.ids)
            self.ids.append(cid)
            self.codes.append(code)
            self.names.append(name)
            for word in {normalize(name), *(normalize(k) for k in split_keywords(keywords))}:
                if word:
                    words.setdefault(word, set()).add(i)
        index_of = {cid: i for i, cid in enumerate(self.ids)}
        # Ancestors (active ones, nearest first) and depth of every suggestible category.
        self.ancestors: list[tuple[int, ...]] = []
        self.depth: list[int] = []
        for cid in self.ids:
            chain, node, seen = [], parent_of.get(cid), {cid}
            while node is not None and node not in seen:
                seen.add(node)
                if active.get(node) and node in index_of:
                    chain.append(index_of[node])
                node = parent_of.get(node)
            self.ancestors.append(tuple(chain))
            self.depth.append(len(chain))
        # keyword -> ((category index, weight), ...)
        self.index: dict[str, tuple[tuple[int, float], ...]] = {
            w: tuple((i, len(w) / math.sqrt(len(cats))) for i in sorted(cats))
            for w, cats in words.items()}
        self._pattern = re.compile(trie_pattern(self.index)) if self.index else None
        self._memo: dict[tuple[str, ...], tuple] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def keywords_in(self, text: str) -> tuple[str, ...]:
        """The distinct keywords found in the (raw) text, in order of appearance."""
        if self._pattern is None:
            return ()
        return tuple(dict.fromkeys(self._pattern.findall(normalize(text))))

    def _rank(self, matched: tuple[str, ...]) -> tuple:
        """((score, category index, matched words), ...) best first; memoised."""
        ranked = self._memo.get(matched)
        if ranked is not None:
            return ranked
        own: dict[int, float] = {}
        why: dict[int, list[str]] = {}
        for word in matched:
            for i, weight in self.index[word]:
                own[i] = own.get(i, 0.0) + weight
                why.setdefault(i, []).append(word)
        implied = {a for i in own for a in self.ancestors[i]}
        scored = []
        for i, score in own.items():
            if i in implied:
                continue
            words = list(why[i])
            for a in self.ancestors[i]:
                if a in own:
                    score += INHERIT * own[a]
                    words.extend(w for w in why[a] if w not in words)
            if score >= MIN_SCORE:
                scored.append((round(score, 6), i, tuple(words)))
        scored.sort(key=lambda s: (-s[0], -self.depth[s[1]], self.codes[s[1]]))
        ranked = tuple(scored)
        if len(self._memo) < 100_000:
            self._memo[matched] = ranked
        return ranked

    def suggest(self, text: str, limit: int = 3) -> list[Suggestion]:
        """The best `limit` categories for a description, with the keywords that chose them;
        [] when no keyword is found."""
        return [Suggestion(category_id=self.ids[i], code=self.codes[i], name=self.names[i],
                           score=score, matched=words)
                for score, i, words in self._rank(self.keywords_in(text))[:limit]]

    def suggest_many(self, texts) -> np.ndarray:
        """The best category id per text (-1 for none): suggest(text, 1) for every text."""
        out = np.full(len(texts), -1, dtype=np.int64)
        pattern, memo, ids = self._pattern, self._memo, self.ids
        if pattern is None:
            return out
        findall, rank = pattern.findall, self._rank
        for k, text in enumerate(texts):
            matched = tuple(dict.fromkeys(findall(normalize(text))))
            if not matched:
                continue
            ranked = memo.get(matched) or rank(matched)
            if ranked:
                out[k] = ids[ranked[0][1]]
        return out


def trie_pattern(words) -> str:
    """A regular expression matching the longest of `words` at a position, written as a trie
    (井(?:盖(?:丢失|破损)?)...): the regex engine tries the few words sharing a prefix instead of
    every word in turn, which makes the scan about twice as fast as a flat alternation."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        if len(alts) == 1 and not ends:
            return alts[0]
        group = "(?:" + "|".join(alts) + ")"
        return group + "?" if ends else group  # greedy: the longer word first

    return build(trie)


# --- the process-wide instance -------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict = {"classifier": None, "version": None, "generation": -1, "checked": 0.0}


def get_classifier(*, refresh: bool = False) -> Classifier:
    """The classifier of the current catalogue. Rebuilt when a service changed the catalogue in
    this process, or (checked at most every LOCATOR_REFRESH_SECONDS) when the catalogue rows
    differ from those it was built from."""
    from django.conf import settings

    from .selectors import catalogue_rows
    from .services import dispatch_generation

    interval = settings.CIVICGRID.get("LOCATOR_REFRESH_SECONDS", 2.0)
    now, generation = time.monotonic(), dispatch_generation()
    with _lock:
        if (not refresh and _cache["classifier"] is not None
                and generation == _cache["generation"] and now - _cache["checked"] < interval):
            return _cache["classifier"]
        rows = catalogue_rows()
        version = hash(tuple(rows))
        if refresh or _cache["classifier"] is None or version != _cache["version"]:
            _cache["classifier"] = Classifier(rows)
            _cache["version"] = version
        _cache["generation"], _cache["checked"] = generation, now
        return _cache["classifier"]
