"""Scoring a query (any script) against a Chinese-written name, with the reason.

Part similarity: a weighted edit distance over sound units (izdesh.names.sounds), where what
Chinese transcription adds (epenthetic vowels, nasal codas) or drops (h, a final consonant) costs
little, normalised by the mean weight of both sides. Name score: the query's tokens are grouped
into the given and father's name and aligned with the Chinese parts: straight, swapped (penalty),
one part only (penalty); an unseparated Chinese name is cut at every place. All penalties are in
data/costs.toml.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from rapidfuzz.distance import JaroWinkler

from izdesh.names.chinese import guess_splits, pinyin_syllables, split_parts
from izdesh.names.scripts import to_latin_forms
from izdesh.names.sounds import COSTS, VOWELS, Units
from izdesh.names.uyghur import QueryToken, Reading, query_tokens, reading_units, readings

_NAME = COSTS["name"]


def _sub_table() -> dict[tuple[str, str], float]:
    vow, con = COSTS["vowel"], COSTS["consonant"]
    syms = "BMTNLSKHaiu"
    table: dict[tuple[str, str], float] = {}
    for a in syms:
        for b in syms:
            if a == b:
                c = 0.0
            elif a in VOWELS and b in VOWELS:
                c = vow["".join(sorted(a + b))]
            elif (a in VOWELS) != (b in VOWELS):
                c = con["vowel_consonant"]
            else:
                c = con.get("".join(sorted(a + b, key=syms.index)), 1.0)
                c = con.get("".join(sorted(a + b)), c)
            table[a, b] = c
    return table


_SUB = _sub_table()


def distance(q: Units, z: Units) -> float:
    """Weighted edit distance between the query's units and the Chinese units."""
    n = len(z)
    prev = [0.0] * (n + 1)
    for j in range(n):
        prev[j + 1] = prev[j] + z[j].drop
    for qu in q:
        cur = [prev[0] + qu.drop]
        qs, qd = qu.sym, qu.drop
        for j in range(n):
            zu = z[j]
            best = prev[j] + _SUB[qs, zu.sym]
            d = prev[j + 1] + qd
            if d < best:
                best = d
            d = cur[j] + zu.drop
            if d < best:
                best = d
            cur.append(best)
        prev = cur
    return prev[n]


def similarity(q: Units, z: Units) -> float:
    if not q or not z:
        return 0.0
    norm = (sum(u.weight for u in q) + sum(u.weight for u in z)) / 2
    return max(0.0, 1.0 - distance(q, z) / norm)


@lru_cache(maxsize=500_000)
def part_score(reading_key: str, zh_part: str) -> float:
    """Similarity of one reading of a query part (Reading.key) and one Chinese part."""
    return similarity(reading_units(reading_key), reading_units("h:" + zh_part))


def best_reading(group: tuple[QueryToken, ...], zh_part: str) -> tuple[float, Reading | None]:
    best, which = 0.0, None
    for r in readings(group):
        sc = part_score(r.key, zh_part) * r.penalty
        if sc > best:
            best, which = sc, r
    return best, which


@dataclass(slots=True)
class Match:
    score: float
    why: str
    parts: list[tuple[str, str, float]] = field(default_factory=list)


@lru_cache(maxsize=65536)
def _spans(n: int, max_groups: int) -> tuple[tuple[int, tuple[tuple[int, int], ...]], ...]:
    """(tokens dropped, groups as (start, end)) for every contiguous span of 1..n tokens cut into
    1..max_groups contiguous groups."""
    out = []
    for i in range(n):
        for j in range(i + 1, n + 1):
            dropped = n - (j - i)
            inner = list(range(i + 1, j))
            for k in range(0, min(max_groups, j - i)):
                for cuts in combinations(inner, k):
                    bounds = (i, *cuts, j)
                    out.append((dropped, tuple(zip(bounds, bounds[1:]))))
    return tuple(out)


def _label(group: tuple[QueryToken, ...], r: Reading | None) -> str:
    text = " ".join(t.text for t in group)
    if any(t.script not in ("latin", "han") for t in group):
        text += " [" + " ".join(t.uly for t in group) + "]"
    if r is None or r.kind in ("latin", "han"):
        return text
    if r.kind == "exonym":
        return f"{text} (as {r.form})"
    return f"{text} (pinyin {r.form})"


@lru_cache(maxsize=262_144)
def _zh_layouts(name_zh: str) -> tuple[tuple[tuple[str, ...], float], ...]:
    """Ways to read the Chinese name as parts, with a multiplier."""
    parts = tuple(split_parts(name_zh))
    if not parts:
        return ()
    layouts: list[tuple[tuple[str, ...], float]] = [(parts[:2], 1.0 if len(parts) <= 2 else 0.97)]
    if len(parts) >= 3:
        layouts.append((parts[:3], 1.0))
    if len(parts) == 1 and len(parts[0]) >= 4:
        for a, b in guess_splits(parts[0]):
            layouts.append(((a, b), _NAME["unsplit"]))
    return tuple(layouts)


_Group = tuple[QueryToken, ...]


@lru_cache(maxsize=4096)
def _query_plan(query: str):  # type: ignore[no-untyped-def]
    """Per query, once: its groupings as (dropped, tuple of group ids) and, per group id, the
    tokens and the (reading key, penalty, Reading) list."""
    toks = query_tokens(query)
    groups: list[_Group] = []
    index: dict[tuple[int, int], int] = {}
    plans: dict[int, list[tuple[int, tuple[int, ...]]]] = {}
    for max_groups in (1, 2, 3):
        rows = []
        for dropped, bounds in _spans(len(toks), max_groups):
            ids = []
            for b in bounds:
                if b not in index:
                    index[b] = len(groups)
                    groups.append(toks[b[0] : b[1]])
                ids.append(index[b])
            rows.append((dropped, tuple(ids)))
        plans[max_groups] = rows
    reads = [tuple((r.key, r.penalty, r) for r in readings(g)) for g in groups]
    return toks, groups, reads, plans


@lru_cache(maxsize=4096)
def _query_cuts(query: str) -> tuple[str, ...]:
    """A Chinese-character query written without a separator, cut as given·father every way."""
    parts = split_parts(query) if all("\u3400" <= ch <= "\u9fff" or not ch.isalpha() for ch in query) else []
    if len(parts) == 1 and len(parts[0]) >= 4:
        return tuple(f"{a}·{b}" for a, b in guess_splits(parts[0]))
    return ()


def score(query: str, name_zh: str) -> Match:
    """How well `query` (any script) names the person written `name_zh` in Chinese characters."""
    best = _score(query, name_zh)
    for cut in _query_cuts(query):
        m = _score(cut, name_zh)
        if m.score * _NAME["unsplit"] > best.score:
            best = Match(round(m.score * _NAME["unsplit"], 4), m.why + " (query written without a separator)", m.parts)
    return best


def _score(query: str, name_zh: str) -> Match:
    toks, groups, reads, plans = _query_plan(query)
    layouts = _zh_layouts(name_zh)
    if not toks or not layouts:
        return Match(0.0, "nothing to compare", [])
    swapped, one, one_f = _NAME["swapped"], _NAME["one_part"], _NAME["one_part_father"]
    missing, extra, unsplit = _NAME["missing_query_part"], _NAME["extra_query_token"], _NAME["unsplit"]
    memo: dict[tuple[int, str], tuple[float, Reading | None]] = {}

    def part(gid: int, zp: str) -> tuple[float, Reading | None]:
        hit = memo.get((gid, zp))
        if hit is None:
            best_s, best_r = 0.0, None
            for key, pen, r in reads[gid]:
                sc = part_score(key, zp) * pen
                if sc > best_s:
                    best_s, best_r = sc, r
            hit = memo[gid, zp] = (best_s, best_r)
        return hit

    best_value, best_plan = 0.0, None
    for zparts, zmult in layouts:
        nz = len(zparts)
        for dropped, gids in plans[min(nz, 3)]:
            penalty = zmult * extra**dropped
            if penalty <= best_value:
                continue
            ng = len(gids)
            if ng == nz:
                orders = ((tuple(range(nz)), 1.0), ((1, 0), swapped)) if ng == 2 else (
                    (tuple(range(nz)), 1.0),)  # fmt: skip
            elif ng == 1:
                orders = (((0,), one), ((1,), one_f))
            else:
                orders = ((tuple(range(ng)), missing),)
            for order, omult in orders:
                mult = penalty * omult
                if mult <= best_value:
                    continue
                total = 0.0
                for gid, zi in zip(gids, order):
                    total += part(gid, zparts[zi])[0]
                value = total / ng * mult
                if value > best_value:
                    best_value = value
                    best_plan = (zparts, zmult, dropped, gids, order, omult)
    if best_plan is None:
        return Match(0.0, "no match", [])
    zparts, zmult, dropped, gids, order, omult = best_plan
    detail = []
    for gid, zi in zip(gids, order):
        sc, r = part(gid, zparts[zi])
        detail.append((_label(groups[gid], r), zparts[zi], round(sc, 3)))
    notes = []
    if omult == swapped and order == (1, 0):
        notes.append("given and father's name swapped")
    if len(gids) < len(zparts):
        notes.append("only part of the name matched")
    if dropped:
        notes.append(f"{dropped} query word(s) unmatched")
    if zmult == unsplit:
        notes.append("Chinese name had no separator")
    why = ", ".join(f"{q} ~ {z}" for q, z, _ in detail)
    if notes:
        why += " (" + "; ".join(notes) + ")"
    return Match(round(best_value, 4), why, detail)


@lru_cache(maxsize=65536)
def _latin_of_query(query: str) -> tuple[str, ...]:
    return tuple(f.replace(" ", "") for f in to_latin_forms(query))


@lru_cache(maxsize=262_144)
def closeness(query: str, name_zh: str) -> float:
    """How close the spelling is beyond the sound classes, 0..1: Jaro-Winkler of the query in
    folded Latin and the name's reading in pinyin. Only a tie-break between names that `score`
    rates equal (吉 ji and 孜 zi are both the class S: Hajigül ~ 阿吉古丽 before 阿孜古丽)."""
    reading = "".join(pinyin_syllables(name_zh))
    return max((JaroWinkler.normalized_similarity(q, reading) for q in _latin_of_query(query)), default=0.0)
