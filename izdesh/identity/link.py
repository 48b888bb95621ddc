"""Linking records into persons, with a score and a plain-language "why" for every link.

Steps (each record is decided once, in this order):

1. A valid ID number: one number, one person (certain).
2. A full ID number that fails its check (a one-digit slip or a transposition of neighbours): the
   valid numbers one slip away (``candidates_for_typo``) that belong to a person in the store are
   compared on name (cross-script keys), written birth date and sex. Exactly one agreeing
   candidate: linked ("probably the same") with the evidence; several: "possibly the same" links
   for review; none: the record stays a person of its own (grouped with other records carrying
   the same mistyped number and name).
3. A number that lost its last digits in a spreadsheet (``id_pattern``) but kept the birth date
   (65412719960629????): the persons whose number fits the pattern and whose name is the same or
   a homophone rendering (one part the same, the other read alike; among the few born that day,
   the only one whose name reads close) are compared on birth date, sex, village, household
   address and township (written, or the folder of the file). Exactly one agreeing: linked, with
   the evidence. Otherwise a person of its own (records with the same digits, name, sex and
   birth date grouped). A number that kept only its region (6.53121E+17) goes to step 4, among
   the persons whose number fits it and whose sex digit agrees with the written sex.
4. No ID number at all (a relative listed by name, a list without an ID column, a name in
   running text) or only the region: candidates share a cross-script name key; a
   Fellegi–Sunter model (m/u weights estimated by EM on these very pairs) weighs name, birth date
   or age, sex, place (township and village, written, named in the text, or given by the
   folders and file names: a village's register is named after it; the household address),
   whether the person is named with an ID in the same file (or is another row of the same
   sheet: a list names each person once), how many persons carry the very same name, what the
   lists say (the same reason for listing, the same list entry: category and date) and the
   phone number. Linked only when the best candidate's posterior is above ``LINK_AT`` and no
   other candidate comes close; candidates above ``REVIEW_AT`` get a "possibly same" link;
   below, the record stays alone: never forced.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any

from izdesh.identity.fellegi_sunter import FellegiSunter
from izdesh.identity.idnumber import check_char, parse
from izdesh.names import keys_for_chinese, score

LINK_AT = 0.85  # posterior to link a record without ID to a person (measured: 99% right at .85-.90)
REVIEW_AT = 0.30  # posterior for a "possibly same" link
MARGIN = 0.5  # the runner-up must stay below this to link
PRIOR_PAIRS = 20.0  # weight of the model's starting beliefs, in pairs
MANY = 30  # namesakes beyond which only candidates with other evidence are compared
MANY_FITS = 50  # numbers fitting a pattern beyond which only the very same name is looked for

_DOTS_SPACES = re.compile(r"[·・•．‧.\u00b7\u30fb\u2022\uff0e\u2027\u2219\u22c5\s\u3000]+")
_SPACES = re.compile(r"[\s\u3000]+")
_AGE = re.compile(r"(\d{1,3})\s*岁")
_SEX = re.compile(r"[，,、\s（(]([男女])[，,、\s)）]")
_YEAR_IN_PATH = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[01]\d[0-3]\d)?(?!\d)")


# ------------------------------------------------------------------------------------- records


@dataclass(slots=True)
class Rec:
    id: int
    file_id: int
    table_id: int | None
    kind: str
    name: str | None
    id_number: str | None
    id_pattern: str | None
    id_valid: int | None
    sex: str | None
    birth: str | None  # ISO date
    township: str | None
    village: str | None
    status: str | None
    event_date: str | None
    relation: str | None
    relative_of: str | None
    facility: str | None
    building: str | None
    cell: str | None
    address: str | None
    phone: str | None
    category: str | None
    reason: str | None
    text: str | None = None


RECORD_COLUMNS = (
    "id, file_id, table_id, kind, name, id_number, id_pattern, id_valid, sex, birth_date, township,"
    " village, status, event_date, relation, relative_of, facility, building, cell, address, phone, category, reason"
)


def iso(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return v.isoformat()
    return str(v)[:10]


def make_rec(row: Any, pool: dict[Any, Any] | None = None) -> Rec:
    """A record from a row of ``RECORD_COLUMNS``. With ``pool``, equal values share one object:
    a million records repeat a few thousand townships, villages, dates, names and words, and the
    driver makes a new string for every cell (half the rebuild's memory at full scale)."""
    v = list(row)
    v[9], v[13], v[20] = iso(v[9]), iso(v[13]), _phone(v[20])
    if pool is not None:
        keep = pool.setdefault
        v = [x if x is None or type(x) is int else keep(x, x) for x in v]
    return Rec(*v)


_NOT_DIGIT = re.compile(r"\D+")


def _phone(v: Any) -> str | None:
    """A phone number's last 11 digits (a mobile number), however the cell wrote it (text, a
    spreadsheet number, with spaces or dashes); None when fewer than 7 digits are left."""
    if v is None:
        return None
    if isinstance(v, float):
        v = f"{v:.0f}"
    d = _NOT_DIGIT.sub("", str(v))
    return d[-11:] if len(d) >= 7 else None


# ---------------------------------------------------------------------------------------- names

_KEYS: dict[str, frozenset[str]] = {}
_FOLD: dict[str, str] = {}


def fold_name(name: str | None) -> str:
    """The name without dots and spaces: equal for every way a clerk separates the parts."""
    if not name:
        return ""
    f = _FOLD.get(name)
    if f is None:
        f = _FOLD[name] = _DOTS_SPACES.sub("", name)
    return f


_PART_KEYS: dict[str, frozenset[str]] = {}
_DOTS = re.compile(r"[·・•．‧.\u00b7\u30fb\u2022\uff0e\u2027\u2219\u22c5]")


def _part_skeletons(part: str) -> list[str]:
    k = _PART_KEYS.get(part)
    if k is None:
        try:
            k = frozenset(x[2:] for x in keys_for_chinese(part) if x.startswith("p:"))
        except Exception:
            k = frozenset()
        _PART_KEYS[part] = k
    return sorted(k)


def name_keys(name: str | None) -> frozenset[str]:
    """Cross-script keys of the whole name (homophone renderings share them), plus the folded
    characters ("f:..."). A dotted name's keys are composed from its parts' keys (the same as
    ``keys_for_chinese`` of the whole name, at the cost of a few thousand distinct parts rather
    than every distinct name); short names without a dot (Han names) keep their characters."""
    if not name:
        return frozenset()
    k = _KEYS.get(name)
    if k is None:
        clean = _SPACES.sub("", name)
        parts = [p for p in _DOTS.split(clean) if p]
        whole: set[str] = set()
        if len(parts) >= 2:
            skel = [_part_skeletons(p) for p in parts]
            if all(skel):
                whole = {"w:" + "-".join(c) for c in product(*skel)}
        elif len(clean) > 3:
            try:
                keys = keys_for_chinese(clean)
            except Exception:  # a name the keys cannot read: exact spelling only
                keys = frozenset()
            whole = {x for x in keys if x.startswith("w:")}
        k = _KEYS[name] = frozenset(whole) | {"f:" + fold_name(name)}
    return k


def _mentions(text: str, place: str) -> bool:
    """Whether ``text`` names ``place`` as a whole (6村 is not named by 16村)."""
    i = text.find(place)
    while i >= 0:
        if i == 0 or not text[i - 1].isdigit():
            return True
        i = text.find(place, i + 1)
    return False


_SPLIT: dict[str, tuple[str, ...]] = {}


def _split(name: str) -> tuple[str, ...]:
    """A name's parts as written, without spaces (dots split them); one part when undotted.
    Cached: linking splits every person's names a few times over (2.3 million calls at full
    scale, for a few hundred thousand distinct names)."""
    parts = _SPLIT.get(name)
    if parts is None:
        clean = _SPACES.sub("", name)
        parts = _SPLIT[name] = tuple(p for p in _DOTS.split(clean) if p) or (clean,)
    return parts


STRICT = 0.97  # a homophone rendering among many candidates: the readings must agree closely
RELAXED = 0.84  # among very few candidates (a mistyped ID's neighbours, a pattern that fits 1-3)


def name_level(a: str | None, names_b: Iterable[str], *, min_score: float = STRICT) -> int:
    """2 = the same characters (dots and spaces aside); 1 = another rendering whose reading the
    names scorer finds at least ``min_score`` close in every part (买买提·吐尔逊 ~ 麦麦提·图尔荪);
    0 = different. Cross-script keys alone are too coarse to agree on (肉孜 and 伊力亚斯 share one)."""
    fa = fold_name(a)
    if not fa:
        return 0
    names_b = list(names_b)
    for b in names_b:
        if fold_name(b) == fa:
            return 2
    if min_score >= STRICT:  # many candidates: score only names that share a cross-script key
        ka = name_keys(a)
        names_b = [b for b in names_b if ka & name_keys(b)]
    best = max((name_score(a, b) for b in names_b), default=0.0)  # type: ignore[arg-type]
    return 1 if best >= min_score else 0


_SCORES: dict[tuple[str, str], float] = {}


def forget_names() -> None:
    """Empty the caches of names read, keyed and scored while linking (half a million entries at
    full scale, 40 MB): a rebuild calls this once the relatives graph is built, before its peak."""
    for cache in (_KEYS, _FOLD, _PART_KEYS, _SCORES, _SPLIT):
        cache.clear()


def _part_score(a: str, b: str) -> float:
    """How close two single name parts read (names.score); 0 when the scorer cannot read them."""
    try:
        return float(score(a, b).score)
    except Exception:
        return 0.0


def name_score(a: str, b: str) -> float:
    """How close two written names read (names.score), 0 unless they share a cross-script key or
    a part; every part of both names must be matched."""
    k = (a, b)
    hit = _SCORES.get(k)
    if hit is None:
        if fold_name(a) == fold_name(b):
            hit = 1.0
        else:
            pa, pb = _split(a), _split(b)
            hit = 0.0
            if (name_keys(a) & name_keys(b)) or (set(pa) & set(pb)):
                try:
                    m = score(a, b)
                    if len(m.parts) >= max(len(pa), len(pb)):
                        hit = min([m.score] + [p[2] for p in m.parts])
                except Exception:
                    hit = 0.0
        if len(_SCORES) < 500_000:
            _SCORES[k] = hit
    return hit


# ---------------------------------------------------------------------------------------- typos

_CHECK = "10X98765432"


def typo_neighbours(id18: str) -> list[tuple[str, str]]:
    """The numbers with a right check character one typing slip away from ``id18``:
    [(number, "one_digit" | "transposition")]. The same set as
    ``idnumber.candidates_for_typo`` before its birth-date test (callers look the numbers up among
    valid persons' numbers or check them), at a fraction of the cost: the check character is
    computed directly instead of parsing ~170 strings."""
    s = id18.upper()
    if len(s) != 18 or not s[:17].isdigit():
        return []
    out: list[tuple[str, str]] = []
    seen = {s}

    def consider(c: str, rel: str) -> None:
        if c not in seen and _CHECK[(2 * int(c[:17], 13)) % 11] == c[17]:
            seen.add(c)
            out.append((c, rel))

    for i in range(17):
        for d in "0123456789":
            if d != s[i]:
                consider(s[:i] + d + s[i + 1 :], "one_digit")
    consider(s[:17] + check_char(s[:17]), "one_digit")
    for i in range(16):
        if s[i] != s[i + 1]:
            consider(s[:i] + s[i + 1] + s[i] + s[i + 2 :], "transposition")
    if s[16] != s[17] and s[17] != "X":
        consider(s[:16] + s[17] + s[16], "transposition")
    return out


# -------------------------------------------------------------------------------------- results


@dataclass(slots=True)
class Cluster:
    key: str  # "id:<number>" or "x:<stable string>"
    id_number: str | None
    basis: str  # id, bad_id, id_pattern, name
    records: list[Rec] = field(default_factory=list)

    def names(self) -> set[str]:
        return {r.name for r in self.records if r.name}


@dataclass(slots=True)
class Profile:
    """What a person (so far) is known by, for comparing a record without ID to it (step 4)."""

    number: str | None  # the ID number, or the digits a typist or a spreadsheet left
    birth: str | None
    sex: str | None
    names: set[str]
    towns: frozenset[str]  # written, or the folders of the files
    villages: frozenset[str]  # written, or the names of the files (a village's register)
    addresses: frozenset[str]
    files: frozenset[int]  # files naming the person with an ID (full, mistyped or partial)
    tables: frozenset[int]  # sheets with a row of the person
    reasons: frozenset[str]  # reasons lists give for the person (收押原因 ...)
    entries: frozenset[tuple[str, str]]  # (category or reason, date) of the person's list entries
    phones: frozenset[str]


@dataclass(slots=True)
class RecordLink:
    record_id: int
    cluster: str
    kind: str  # "same" (record.person_id set) or "possibly_same"
    method: str  # id_typo, id_pattern, name_model
    score: float
    why: str


@dataclass(slots=True)
class PersonLink:
    src: str
    dst: str
    record_id: int | None
    score: float
    why: str


@dataclass
class Linkage:
    clusters: dict[str, Cluster]
    of_record: dict[int, str]
    record_links: list[RecordLink]
    person_links: list[PersonLink]
    model: FellegiSunter | None
    counts: Counter[str]


# --------------------------------------------------------------------------------------- linker


def _id_birth(id_number: str) -> str:
    s = id_number[6:14]
    return f"{s[:4]}-{s[4:6]}-{s[6:8]}"


def _id_sex(id_number: str) -> str:
    return "male" if id_number[16] in "13579" else "female"


def _mask(a: str, b: str) -> str:
    """Where two numbers differ, as 'position 12: 3 -> 8'."""
    diff = [i for i in range(min(len(a), len(b))) if a[i] != b[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        return f"positions {diff[0] + 1}-{diff[1] + 1} swapped ({a[diff[0]]}{a[diff[1]]} -> {b[diff[0]]}{b[diff[1]]})"
    return ", ".join(f"position {i + 1}: {a[i]} -> {b[i]}" for i in diff)


class Linker:
    def __init__(self, records: list[Rec], paths: dict[int, str], locators: dict[int, str] | None = None) -> None:
        self.records = records
        self.paths = paths
        self.locators = locators or {}
        self.clusters: dict[str, Cluster] = {}
        self.of_record: dict[int, str] = {}
        self.record_links: list[RecordLink] = []
        self.person_links: list[PersonLink] = []
        self.counts: Counter[str] = Counter()
        self.model: FellegiSunter | None = None
        self._file_towns: dict[int, frozenset[str]] = {}
        self._all_towns: frozenset[str] | None = None
        self._file_villages: dict[int, frozenset[str]] = {}
        self._all_villages: list[str] | None = None
        self._profiles: dict[str, Profile] = {}
        self._cluster_towns: dict[str, frozenset[str]] = {}
        self._region_only: list[Rec] = []  # numbers that kept only their region: step 4

    # -- helpers
    def _add(self, key: str, rec: Rec, id_number: str | None = None, basis: str = "id") -> None:
        c = self.clusters.get(key)
        if c is None:
            c = self.clusters[key] = Cluster(key, id_number, basis)
        c.records.append(rec)
        self.of_record[rec.id] = key

    def file_towns(self, file_id: int) -> frozenset[str]:
        """Townships the file's path names (leaks keep each township's lists in its own folder)."""
        t = self._file_towns.get(file_id)
        if t is None:
            if self._all_towns is None:
                self._all_towns = frozenset(r.township for r in self.records if r.township)
            path = self.paths.get(file_id, "")
            t = self._file_towns[file_id] = frozenset(x for x in self._all_towns if x in path)
        return t

    def file_villages(self, file_id: int) -> frozenset[str]:
        """Villages the file's name names (a village's register: 13村户籍人口花名册.xls); the
        longest where one name holds another (乌鲁肯塔勒村, not 塔勒村)."""
        v = self._file_villages.get(file_id)
        if v is None:
            if self._all_villages is None:
                self._all_villages = sorted({r.village for r in self.records if r.village})
            name = self.paths.get(file_id, "").rsplit("/", 1)[-1]
            hits = {x for x in self._all_villages if x in name and _mentions(name, x)}
            v = self._file_villages[file_id] = frozenset(x for x in hits if not any(x != y and x in y for y in hits))
        return v

    def cluster_towns(self, c: Cluster) -> set[str]:
        """Townships a person's records write or whose folders hold them."""
        out: set[str] = set()
        for r in c.records:
            if r.township:
                out.add(r.township)
            else:
                out |= self.file_towns(r.file_id)
        return out

    def _stable(self, rec: Rec) -> str:
        return f"{self.paths.get(rec.file_id, rec.file_id)}|{self.locators.get(rec.id, rec.id)}"

    # -- the run
    def run(self) -> Linkage:
        typo, pattern, noid = [], [], []
        for r in self.records:
            if r.id_number and r.id_valid == 1:
                self._add("id:" + r.id_number, r, r.id_number, "id")
                self.counts["valid_id"] += 1
            elif r.id_number:
                typo.append(r)
            elif r.id_pattern:
                pattern.append(r)
            else:
                noid.append(r)
        id_persons = {c.id_number: c for c in self.clusters.values() if c.id_number}
        if pattern:
            self._link_patterns(pattern, id_persons)
        self._pattern_index: dict[str, list[Cluster]] = defaultdict(list)
        for c in self.clusters.values():
            if c.basis == "id_pattern":
                pat = c.records[0].id_pattern or ""
                if "?" not in pat[:14]:
                    self._pattern_index[pat[:14]].append(c)
        for r in typo:
            self._link_typo(r, id_persons)
        if noid or self._region_only:
            self._link_by_model(self._region_only + noid)
        return Linkage(self.clusters, self.of_record, self.record_links, self.person_links, self.model, self.counts)

    # -- step 2
    def _agree(
        self, rec: Rec, cand: Cluster, cand_number: str, min_score: float = RELAXED, places: bool = False
    ) -> tuple[int, list[str], list[str]]:
        """(name level, agreements, disagreements) between a record and a candidate person; with
        ``places``, also the village and the household address (the same household's address is
        written the same way in every file)."""
        lev = name_level(rec.name, cand.names(), min_score=min_score)
        ok, bad = [], []
        shown = sorted(cand.names(), key=lambda n: (n != rec.name, n))[:1]  # sorted: the same why every run
        if lev == 2:
            ok.append(f"the same name {rec.name}")
        elif lev == 1:
            ok.append(f"a homophone or close rendering of the name ({rec.name} ~ {shown[0] if shown else '?'})")
        else:
            bad.append(f"a different name ({rec.name or 'none written'} vs {shown[0] if shown else '?'})")
        cb = _id_birth(cand_number)
        if rec.birth:
            (ok if rec.birth == cb else bad).append(
                f"the written birth date {rec.birth}" + ("" if rec.birth == cb else f" (the person's is {cb})")
            )
        if rec.sex:
            cs = _id_sex(cand_number)
            (ok if rec.sex == cs else bad).append(f"sex {rec.sex}" + ("" if rec.sex == cs else f" (the person's is {cs})"))
        if places:
            towns = {rec.township} if rec.township else self.file_towns(rec.file_id)
            cand_towns = self.cluster_towns(cand)
            if towns and cand_towns:
                if towns & cand_towns:
                    ok.append(f"the same township {min(towns & cand_towns)}")
                else:
                    bad.append(f"another township ({min(towns)} vs {min(cand_towns)})")
            for what, mine, theirs in (
                ("village", rec.village, {r.village for r in cand.records if r.village}),
                ("household address", rec.address, {r.address for r in cand.records if r.address}),
            ):
                if mine and theirs:
                    if mine in theirs:
                        ok.append(f"the same {what} {mine}")
                    else:
                        bad.append(f"another {what} ({mine} vs {min(theirs)})")
        return lev, ok, bad

    def _link_typo(self, rec: Rec, id_persons: dict[str, Cluster]) -> None:
        written = rec.id_number or ""
        cands = typo_neighbours(written)
        good: list[tuple[str, str, list[str]]] = []
        weak: list[tuple[str, str, list[str]]] = []
        for number, rel in cands:
            c = id_persons.get(number)
            if c is None:
                continue
            lev, ok, bad = self._agree(rec, c, number)
            if lev >= 1 and not bad:
                good.append((number, rel, ok))
            elif lev >= 1:
                weak.append((number, rel, ok + ["but " + "; ".join(bad)]))
        slip = {"one_digit": "one mistyped digit", "transposition": "two neighbouring digits swapped"}
        exact = [g for g in good if any(x.startswith("the same name") for x in g[2])]
        if len(exact) == 1 and len(good) > 1:
            good = exact
        if not good and not weak:
            # The true number may be in the store only as a spreadsheet number that lost digits.
            hits = {}
            for number, rel in cands:
                if not parse(number).valid:
                    continue
                for c in self._pattern_index.get(number[:14], ()):
                    pat = c.records[0].id_pattern or ""
                    if all(p == "?" or p == ch for p, ch in zip(pat, number, strict=False)):
                        lev, ok, bad = self._agree(rec, c, number)
                        if lev >= 1 and not bad:
                            hits[c.key] = (c, number, rel, ok, pat)
            if len(hits) == 1:
                c, number, rel, ok, pat = next(iter(hits.values()))
                c.records.append(rec)
                self.of_record[rec.id] = c.key
                why = (
                    f"The written ID {written} fails its check character; {slip[rel]} ({_mask(written, number)})"
                    f" gives {number}, which fits {pat}, the digits left of a number stored in a spreadsheet"
                    f" for a person with {', '.join(ok)}. Probably the same person."
                )
                self.record_links.append(RecordLink(rec.id, c.key, "same", "id_typo", 0.9, why))
                self.counts["typo_linked_pattern"] += 1
                return
        if len(good) == 1:
            number, rel, ok = good[0]
            key = "id:" + number
            self.clusters[key].records.append(rec)
            self.of_record[rec.id] = key
            score = 0.97 if any(x.startswith("the same name") for x in ok) else 0.93
            if any("birth date" in x for x in ok):
                score = min(0.99, score + 0.02)
            why = (
                f"The written ID {written} fails its check character; {slip[rel]} ({_mask(written, number)})"
                f" gives {number}, the ID of a person in the store with {', '.join(ok)}."
                " Probably the same person."
            )
            self.record_links.append(RecordLink(rec.id, key, "same", "id_typo", score, why))
            self.counts["typo_linked"] += 1
            return
        own = "x:bad:" + written + "|" + fold_name(rec.name)
        self._add(own, rec, None, "bad_id")
        review = good if len(good) > 1 else weak
        for number, rel, ok in review[:5]:
            score = 0.6 if len(good) > 1 else 0.4
            why = (
                f"The written ID {written} fails its check character; {slip[rel]} ({_mask(written, number)})"
                f" gives {number}, the ID of a person with {', '.join(ok)}"
                + (f"; {len(good)} such persons, so not linked" if len(good) > 1 else "")
                + ". Possibly the same person."
            )
            self.record_links.append(RecordLink(rec.id, "id:" + number, "possibly_same", "id_typo", score, why))
            self.person_links.append(PersonLink(own, "id:" + number, rec.id, score, why))
        self.counts["typo_alone" if not review else "typo_review"] += 1

    # -- step 3
    def _link_patterns(self, recs: list[Rec], id_persons: dict[str, Cluster]) -> None:
        numbers = sorted(id_persons)
        by_fold: dict[str, list[str]] = defaultdict(list)  # written name (no dots) -> ID numbers
        by_pair: dict[tuple[str, ...], list[str]] = defaultdict(list)  # a dotted name's parts -> ID numbers
        variants: dict[str, set[str]] = defaultdict(set)  # cross-script skeleton of a part -> parts written
        for number, c in id_persons.items():
            for n in c.names():
                by_fold[fold_name(n)].append(number)
                parts = _split(n)
                if len(parts) == 2:
                    by_pair[parts].append(number)
                    for part in parts:
                        if part not in variants:
                            variants[part] = set()
                            for sk in _part_skeletons(part):
                                variants["s:" + sk].add(part)

        def namesakes(name: str | None, prefix: str) -> list[str]:
            """ID numbers starting with ``prefix`` of persons with the same name, or with one part
            the same and the other written with the same cross-script skeleton (a clerk's
            homophone variant changes one part)."""
            if not name:
                return []
            out = set(by_fold.get(fold_name(name), ()))
            parts = _split(name)
            if len(parts) == 2:
                a, b = parts
                for i, part in enumerate(parts):
                    for v in close_parts(part):
                        out.update(by_pair.get((v, b) if i == 0 else (a, v), ()))
            return sorted(n for n in out if n.startswith(prefix))

        close: dict[str, list[str]] = {}

        def close_parts(part: str) -> list[str]:
            """Parts written in the store that read as ``part`` (a homophone rendering); cached,
            as a few thousand distinct parts make up every name."""
            hit = close.get(part)
            if hit is None:
                near = {v for sk in _part_skeletons(part) for v in variants.get("s:" + sk, ())}
                hit = close[part] = [v for v in sorted(near) if v == part or _part_score(part, v) >= STRICT]
            return hit

        for rec in recs:
            pat = rec.id_pattern or ""
            prefix = pat.split("?", 1)[0]
            if len(prefix) < 12 and not any(ch != "?" for ch in pat[len(prefix) :]):
                # Only the region (and perhaps the year) is left (6.53121E+17): the number no
                # longer picks out one person; the name and what the list says (place, reason,
                # phone) are weighed by the model of step 4 among the persons whose number fits.
                self._region_only.append(rec)
                continue
            if len(prefix) < 5 or any(ch != "?" for ch in pat[len(prefix):]):
                lo = hi = 0
            else:
                lo = bisect_left(numbers, prefix)
                hi = bisect_left(numbers, prefix + ":")  # ":" sorts after every digit and X
            n_fits = hi - lo  # not sliced: a region-only prefix fits hundreds of thousands
            short = len(prefix) < 14  # the number no longer says the birth date
            if not n_fits:
                fits_named: list[str] = []
            elif n_fits <= MANY_FITS and not short:
                fits_named = numbers[lo:hi]
            else:  # hundreds or thousands fit: only persons of that name are worth comparing
                fits_named = namesakes(rec.name, prefix)
            good: list[tuple[str, list[str], int]] = []
            weak: list[tuple[str, list[str], int]] = []
            floor = RELAXED if n_fits <= 3 else STRICT
            named = [n for n in fits_named if name_level(rec.name, id_persons[n].names(), min_score=floor) >= 1]
            if not named and not short and n_fits <= MANY_FITS:
                # Among the few persons of the region born that day, the only one whose name
                # reads close (伟力 ~ 外力): a clerk's rendering, if nothing else disagrees.
                near = [n for n in fits_named if name_level(rec.name, id_persons[n].names(), min_score=RELAXED) >= 1]
                if len(near) == 1:
                    named, floor = near, RELAXED
            for number in named:
                lev, ok, bad = self._agree(rec, id_persons[number], number, floor, places=True)
                if lev >= 1 and not bad:
                    good.append((number, ok, lev))
                elif lev >= 1:
                    weak.append((number, ok + ["but " + "; ".join(bad)], lev))
            what = f"The ID was stored as a spreadsheet number and lost its last digits ({pat})"
            exact = [g for g in good if g[2] == 2]
            if len(exact) == 1 and len(good) > 1:  # the only one with the very same name
                good = exact
            if len(good) == 1:
                number, ok, lev = good[0]
                key = "id:" + number
                self.clusters[key].records.append(rec)
                self.of_record[rec.id] = key
                score = 0.97 if lev == 2 else 0.92
                others = n_fits - 1
                why = (
                    f"{what}; {number} fits it and belongs to a person with {', '.join(ok)}"
                    + (f" ({others} other numbers in the store fit but their names differ)" if others else " (the only number in the store that fits)")
                    + "."
                )
                self.record_links.append(RecordLink(rec.id, key, "same", "id_pattern", score, why))
                self.counts["pattern_linked"] += 1
                continue
            # Grouped by the name as written (folded): grouping homophones too merged namesakes at
            # full scale (pattern precision 0.973 -> 0.951 against the truth).
            own = f"x:pat:{pat[:15]}|{fold_name(rec.name)}|{rec.sex or ''}|{rec.birth or ''}"
            self._add(own, rec, None, "id_pattern")
            review = good if len(good) > 1 else weak
            for number, ok, _lev in review[:5]:
                score = 0.6 if len(good) > 1 else 0.4
                why = (
                    f"{what}; {number} fits it and belongs to a person with {', '.join(ok)}"
                    + (f"; {len(good)} such persons, so not linked" if len(good) > 1 else "")
                    + ". Possibly the same person."
                )
                self.record_links.append(RecordLink(rec.id, "id:" + number, "possibly_same", "id_pattern", score, why))
                self.person_links.append(PersonLink(own, "id:" + number, rec.id, score, why))
            self.counts["pattern_alone" if not review else "pattern_review"] += 1

    # -- step 4
    FEATURES = ("name", "birth", "sex", "place", "same_file", "name_rarity", "listing", "phone")
    LEVELS = (3, 3, 2, 6, 3, 3, 4, 2)
    # Starting beliefs (Dirichlet pseudo-counts, PRIOR_PAIRS pairs' worth) that EM moves with the
    # data: what a true match and a non-match look like among pairs that share a name key.
    M_PRIOR = (
        (0.02, 0.18, 0.8),
        (0.03, 0.07, 0.9),
        (0.02, 0.98),
        (0.03, 0.04, 0.2, 0.13, 0.4, 0.2),  # place: see _place
        (0.4, 0.59, 0.01),  # same file: see _compare
        (0.3, 0.3, 0.4),
        (0.1, 0.2, 0.4, 0.3),  # listing: see _listing
        (0.1, 0.9),
    )
    U_PRIOR = (
        (0.5, 0.3, 0.2),
        (0.85, 0.1, 0.05),
        (0.5, 0.5),
        (0.6, 0.25, 0.1, 0.03, 0.019, 0.001),
        (0.97, 0.01, 0.02),
        (0.8, 0.15, 0.05),
        (0.3, 0.65, 0.049, 0.001),
        (0.999, 0.001),
    )

    def profile(self, key: str) -> Profile:
        """What a person (so far) is known by, computed once per person compared."""
        p = self._profiles.get(key)
        if p is None:
            c = self.clusters[key]
            recs = c.records
            number = self._number(key)
            if c.id_number:
                birth, sex = _id_birth(c.id_number), _id_sex(c.id_number)
            else:
                birth, sex = _mode(r.birth for r in recs), _mode(r.sex for r in recs)
                if birth is None and number and len(number) >= 14 and "?" not in number[:14]:
                    birth = _id_birth(number)
            villages: set[str] = set()
            for r in recs:
                if r.village:
                    villages.add(r.village)
                else:
                    villages |= self.file_villages(r.file_id)
            p = self._profiles[key] = Profile(
                number, birth, sex, c.names(), self._towns(key), frozenset(villages),
                frozenset(r.address for r in recs if r.address),
                frozenset(r.file_id for r in recs if r.id_number or r.id_pattern),
                frozenset(r.table_id for r in recs if r.table_id is not None),
                frozenset(r.reason for r in recs if r.reason),
                frozenset((x, r.event_date) for r in recs if r.event_date for x in (r.category, r.reason) if x),
                frozenset(r.phone for r in recs if r.phone),
            )  # fmt: skip
        return p

    def _named_in(self, key: str, file_id: int) -> bool:
        """Whether a file names the person with an ID (full, mistyped or partial): ``Profile.files``
        without building the profile, which for hundreds of namesakes would cost memory for nothing."""
        return any(r.file_id == file_id and (r.id_number or r.id_pattern) for r in self.clusters[key].records)

    def _number(self, key: str) -> str | None:
        """The person's ID number, or the digits a typist or a spreadsheet left (cheap: blocking)."""
        p = self._profiles.get(key)
        if p is not None:
            return p.number
        c = self.clusters[key]
        return c.id_number or next((r.id_number or r.id_pattern for r in c.records if r.id_number or r.id_pattern), None)

    def _towns(self, key: str) -> frozenset[str]:
        t = self._cluster_towns.get(key)
        if t is None:
            t = self._cluster_towns[key] = frozenset(self.cluster_towns(self.clusters[key]))
        return t

    def _link_by_model(self, recs: list[Rec]) -> None:
        """Records without ID (and numbers that kept only their region) against the persons so far."""
        # Blocking: persons (so far) sharing a cross-script name key. Keys of every person's name
        # would cost a keys computation per distinct name; instead persons are indexed by their
        # name parts as written and a record's keys are expanded to the written parts that have
        # those keys (a few thousand distinct parts).
        by_parts: dict[tuple[str, ...], list[str]] = defaultdict(list)
        part_by_skel: dict[str, set[str]] = defaultdict(set)
        seen_parts: set[str] = set()
        for key, c in self.clusters.items():
            for n in c.names():
                parts = _split(n)
                by_parts[parts].append(key)
                if len(parts) == 2:
                    for part in parts:
                        if part not in seen_parts:
                            seen_parts.add(part)
                            for sk in _part_skeletons(part):
                                part_by_skel[sk].add(part)

        def candidates(name: str | None) -> set[str]:
            out: set[str] = set()
            if not name:
                return out
            parts = _split(name)
            out.update(by_parts.get(parts, ()))
            for k in name_keys(name):
                if not k.startswith("w:"):
                    continue
                sk = k[2:].split("-")
                if len(sk) != 2:
                    continue
                for a in part_by_skel.get(sk[0], ()):
                    for b in part_by_skel.get(sk[1], ()):
                        out.update(by_parts.get((a, b), ()))
            return out

        towns = {r.township for r in self.records if r.township}
        self._name_count: Counter[str] = Counter()  # folded name -> persons (so far) carrying it
        for c in self.clusters.values():
            self._name_count.update({fold_name(n) for n in c.names()})
        pairs: list[tuple[Rec, str, tuple[int | None, ...], dict[str, Any]]] = []
        for rec in recs:
            ctx = self._context(rec, towns)
            cands = candidates(rec.name)
            region = ctx["region"]
            if region:  # the digits left must fit the person's number, and its sex digit the written sex
                sex = ctx["sex"]
                cands = {
                    k for k in cands
                    if ((num := self._number(k)) is None or num.startswith(region))
                    and not (sex and (idn := self.clusters[k].id_number) and _id_sex(idn) != sex)
                }  # fmt: skip
            if len(cands) > MANY:
                # Many namesakes: only those with evidence besides the name are worth weighing
                # (named with an ID in the same file, or of a township the record names).
                where = ctx["towns"]
                keep = {k for k in cands if self._towns(k) & where or self._named_in(k, rec.file_id)}
                cands = keep if len(keep) <= 4 * MANY else set()
            for key in sorted(cands):
                pairs.append((rec, key, self._compare(rec, ctx, self.profile(key)), ctx))
            if not cands:
                self._unlinked(rec, ctx)
        if not pairs:
            return
        self.model = FellegiSunter.fit(
            (p[2] for p in pairs), self.LEVELS, m_prior=self.M_PRIOR, u_prior=self.U_PRIOR, strength=PRIOR_PAIRS
        )
        by_rec: dict[int, list[tuple[float, str, tuple[int | None, ...]]]] = defaultdict(list)
        of: dict[int, tuple[Rec, dict[str, Any]]] = {}
        lam = self.model.prior
        for rec, key, v, ctx in pairs:
            w = max(min(self.model.weight(v) + math.log2(lam / (1 - lam)), 60.0), -60.0)
            by_rec[rec.id].append((2.0**w, key, v))
            of[rec.id] = (rec, ctx)
        for rid, odds in by_rec.items():
            rec, ctx = of[rid]
            # A record is at most one person: the candidates share the probability with "none".
            total = 1.0 + sum(o for o, _k, _v in odds)
            scored = [(o / total, k, v) for o, k, v in odds]
            scored.sort(key=lambda x: (-x[0], x[1]))
            best_p, best_key, best_v = scored[0]
            second = scored[1][0] if len(scored) > 1 else 0.0
            what = self._what(ctx, best_key)
            if best_p >= LINK_AT and second < MARGIN:
                self.clusters[best_key].records.append(rec)
                self.of_record[rec.id] = best_key
                why = (
                    f"{what}; linked by name and context (Fellegi–Sunter, posterior {best_p:.3f}): "
                    + ", ".join(self._explain(best_v, rec, ctx, self.profile(best_key)))
                    + (f"; the next candidate scores {second:.2f}" if len(scored) > 1 else "; the only candidate")
                    + "."
                )
                method = "id_pattern" if ctx["region"] else "name_model"
                self.record_links.append(RecordLink(rid, best_key, "same", method, round(best_p, 4), why))
                self.counts["region_linked" if ctx["region"] else "noid_linked"] += 1
                continue
            own = self._unlinked(rec, ctx)
            reviewed = 0
            for p, key, v in scored[:5]:
                if p < REVIEW_AT:
                    break
                why = (
                    f"{self._what(ctx, key)}; same or similar name, posterior {p:.3f}: "
                    + ", ".join(self._explain(v, rec, ctx, self.profile(key)))
                    + (
                        f"; {sum(1 for s in scored if s[0] >= REVIEW_AT)} candidates, not linked"
                        if second >= MARGIN
                        else "; below the linking threshold"
                    )
                    + ". Possibly the same person."
                )
                method = "id_pattern" if ctx["region"] else "name_model"
                self.record_links.append(RecordLink(rid, key, "possibly_same", method, round(p, 4), why))
                self.person_links.append(PersonLink(own, key, rid, round(p, 4), why))
                reviewed += 1
            prefix = "region" if ctx["region"] else "noid"
            self.counts[f"{prefix}_review" if reviewed else f"{prefix}_alone"] += 1

    def _what(self, ctx: dict[str, Any], key: str) -> str:
        if not ctx["region"]:
            return "No ID number written"
        number = self.profile(key).number
        fits = f"; {number} fits it" if number and "?" not in number and self.clusters[key].id_number else ""
        return f"The ID was stored as a spreadsheet number and kept only its region ({ctx['pattern']}){fits}"

    def _unlinked(self, rec: Rec, ctx: dict[str, Any]) -> str:
        """A record the model did not link: a person of its own."""
        if ctx["region"]:
            # Not grouped with namesakes: the region and a name do not make one person (one list
            # of a township names three 帕提曼·阿不都克力木).
            key = "x:pat:" + self._stable(rec)
            self._add(key, rec, None, "id_pattern")
            return key
        return self._alone(rec)

    def _alone(self, rec: Rec) -> str:
        key = "x:rec:" + self._stable(rec)
        self._add(key, rec, None, "name")
        return key

    def _context(self, rec: Rec, towns: set[str]) -> dict[str, Any]:
        """What a record without ID says about the person: age, sex, places, the year of the file,
        the digits a region-only number kept."""
        text = rec.text or ""
        path = self.paths.get(rec.file_id, "")
        ctx: dict[str, Any] = {"text": text, "path": path, "address": rec.address}
        pat = rec.id_pattern or ""
        ctx["pattern"] = pat
        ctx["region"] = pat.split("?", 1)[0] if pat and not rec.id_number else ""
        m = _AGE.search(text)
        ctx["age"] = int(m.group(1)) if m else None
        years = [int(y) for y in _YEAR_IN_PATH.findall(path) if 2000 <= int(y) <= 2030]
        ctx["year"] = years[-1] if years else None
        sex = rec.sex
        if not sex and text and rec.name:
            i = text.find(rec.name)
            after = text[i + len(rec.name) : i + len(rec.name) + 8] if i >= 0 else ""
            ms = _SEX.search(after + "，")
            if ms:
                sex = "male" if ms.group(1) == "男" else "female"
        ctx["sex"] = sex
        # The record's townships: written, else named in its text, else its file's folders.
        in_text = {t for t in towns if t and t in text} if text else set()
        ctx["towns"] = {rec.township} if rec.township else (in_text or set(self.file_towns(rec.file_id)))
        # Its villages: written, else the file's name (a village's register); a text's villages
        # are looked for per candidate (_place).
        ctx["villages"] = {rec.village} if rec.village else (set() if text else set(self.file_villages(rec.file_id)))
        return ctx

    def _place(self, ctx: dict[str, Any], p: Profile) -> tuple[int | None, str]:
        """0 another township; 1 another village of the same township; 2 the same township;
        3 the same village (a township unknown on one side); 4 the same village of the same
        township; 5 the same household address. None: nothing to compare. With the place named."""
        if ctx["address"] and ctx["address"] in p.addresses:
            return 5, ctx["address"]
        mine = ctx["villages"]
        if not mine and ctx["text"]:
            mine = {v for v in p.villages if _mentions(ctx["text"], v)}
        same_v = mine & p.villages
        towns = ctx["towns"]
        if towns and p.towns:
            same_t = towns & p.towns
            if not same_t:
                return 0, f"{min(towns)} vs {min(p.towns)}"
            if same_v:
                return 4, f"{min(same_v)}, {min(same_t)}"
            if mine and p.villages:
                return 1, f"{min(mine)} vs {min(p.villages)}, {min(same_t)}"
            return 2, min(same_t)
        if same_v:
            return 3, min(same_v)
        return None, ""

    @staticmethod
    def _listing(rec: Rec, p: Profile) -> int | None:
        """What the lists say of the person. 0 listed elsewhere for another reason; 1 listed
        nowhere else with a reason; 2 the same reason; 3 the same list entry (category or reason
        with the same date). None when the record gives no reason."""
        if rec.event_date and ((rec.category, rec.event_date) in p.entries or (rec.reason, rec.event_date) in p.entries):
            return 3
        if not rec.reason:
            return None
        if rec.reason in p.reasons:
            return 2
        return 0 if p.reasons else 1

    def _compare(self, rec: Rec, ctx: dict[str, Any], p: Profile) -> tuple[int | None, ...]:
        lev = name_level(rec.name, p.names, min_score=0.9)  # 0: only a shared (coarse) key
        birth_l: int | None = None
        if p.birth:
            if rec.birth:
                birth_l = 2 if rec.birth == p.birth else (1 if rec.birth[:4] == p.birth[:4] else 0)
            elif ctx["age"] is not None and ctx["year"]:
                d = abs(ctx["year"] - int(p.birth[:4]) - ctx["age"])
                birth_l = 2 if d <= 1 else (1 if d <= 3 else 0)
        sex_l = None if not (p.sex and ctx["sex"]) else int(p.sex == ctx["sex"])
        place_l = self._place(ctx, p)[0]
        # Named with an ID elsewhere in the same file (a report naming the person twice) says
        # much; a row of the same sheet says the opposite (a list names each person once).
        same_file = 2 if rec.table_id is not None and rec.table_id in p.tables else int(rec.file_id in p.files)
        # Term frequency: the same rare name says more than the same common one.
        rarity: int | None = None
        if lev == 2:
            n = self._name_count.get(fold_name(rec.name), 0)
            rarity = 2 if n <= 1 else (1 if n <= 3 else 0)
        phone_l = int(rec.phone in p.phones) if rec.phone and p.phones else None
        return (lev, birth_l, sex_l, place_l, same_file, rarity, self._listing(rec, p), phone_l)

    def _explain(self, v: tuple[int | None, ...], rec: Rec, ctx: dict[str, Any], p: Profile) -> list[str]:
        """The evidence in plain words, each with its weight (log2 likelihood ratio)."""
        assert self.model is not None
        return self.model.explain(v, lambda k, lev: self._word(k, lev, rec, ctx, p))

    def _word(self, k: int, lev: int, rec: Rec, ctx: dict[str, Any], p: Profile) -> str:
        feature = self.FEATURES[k]
        if feature == "name":
            near = sorted(p.names, key=lambda n: (-name_score(rec.name or "", n), n))[:1]
            return (f"a name sharing only a coarse key ({rec.name} ~ {near[0] if near else '?'})",
                    f"a homophone rendering of the name ({rec.name} ~ {near[0] if near else '?'})",
                    f"the same name {rec.name}")[lev]  # fmt: skip
        if feature == "birth":
            said = f"the written birth date {rec.birth}" if rec.birth else f"the age {ctx['age']} in {ctx['year']}"
            return (f"{said} disagrees with the person's birth date {p.birth}",
                    f"{said} is close to the person's birth date {p.birth}",
                    f"{said} fits the person's birth date {p.birth}")[lev]  # fmt: skip
        if feature == "sex":
            return f"a different sex (the person's is {p.sex})" if lev == 0 else f"the same sex ({p.sex})"
        if feature == "place":
            where = self._place(ctx, p)[1]
            return ("another township", "another village of the same township", "the same township",
                    "the same village", "the same village of the same township",
                    "the same household address")[lev] + f" ({where})"  # fmt: skip
        if feature == "same_file":
            return ("not named in the same file", "named with an ID in the same file",
                    "already another row of the same sheet")[lev]  # fmt: skip
        if feature == "name_rarity":
            return ("a name many persons share", "a name two or three persons share",
                    "the only person in the store with this name")[lev]  # fmt: skip
        if feature == "listing":
            return (f"listed elsewhere for another reason ({', '.join(sorted(p.reasons)[:2])}, not {rec.reason})",
                    f"listed nowhere else with a reason (this list: {rec.reason})",
                    f"listed elsewhere for the same reason ({rec.reason})",
                    f"the same list entry elsewhere ({rec.category or rec.reason}, {rec.event_date})")[lev]  # fmt: skip
        return ("another phone number", "the same phone number")[lev]


def _mode(values: Iterable[Any]) -> Any:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def link_records(
    records: list[Rec], paths: dict[int, str], locators: dict[int, str] | None = None
) -> Linkage:
    try:
        return Linker(records, paths, locators).run()
    finally:  # only linking reads these (tens of MB at full scale): gone before the graph is built
        _SPLIT.clear()
        _SCORES.clear()

