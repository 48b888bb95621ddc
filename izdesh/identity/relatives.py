"""The relatives graph: who is whose father, spouse, sister... and who was held in the same cell.

Sources, strongest first:

- household sheets (registers, family sheets of people of interest): the rows of one household
  run from a 户主 (head) row to the next, each with its relation to the head (与户主关系:
  配偶, 长子, 次女, 父亲, 母亲, 孙子 ...; the words are data in records/data/terms.toml). Each member
  is linked to the head as the word says; relations between members are derived through the head
  (the head's spouse is the mother of the head's son, the head's children are siblings, the head's
  parents are the grandparents of the head's children, a grandchild's father is the head's son
  whose given name the grandchild carries as father's name ...), with a lower confidence;
- rows with the ID of the person they are a relative of (``relative_of``), e.g. relatives abroad;
- records listed in the same cell of the same detention list: ``co_listed``, weaker.

Every relation is stored in both directions (A -> B with what B is to A), with the sexes deciding
the words (A is B's father => B is A's son or daughter), the source record (its file is shown by
the person view, not repeated in millions of whys), a score and a why.

Memory: a full leak states millions of relations, many of them several times. Each statement is
kept as a row of compact arrays (person numbers, relation code, record, score, why template
number) and its why as a template with references to strings that already exist (names on the
records); duplicates are folded by a sort, and whys are formatted only when written.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from itertools import combinations

import numpy as np

from izdesh.identity.link import Cluster, Rec, fold_name, name_keys
from izdesh.identity.terms import terms

DIRECT = 0.95  # a relation word about the head
DERIVED = 0.85  # derived through the head
GUESSED = 0.75  # derived through names (grandchild's father)
NAMED = 0.5  # inferred from names across households of a sheet
CO_LISTED = 0.3
MAX_CELL = 40  # larger "cells" are not cells


def _child(sex: str | None) -> str:
    return "daughter" if sex == "female" else "son" if sex == "male" else "child"


def _parent(sex: str | None) -> str:
    return "mother" if sex == "female" else "father" if sex == "male" else "parent"


def _sibling(sex: str | None) -> str:
    return "sister" if sex == "female" else "brother" if sex == "male" else "sibling"


def _grandchild(sex: str | None) -> str:
    return "granddaughter" if sex == "female" else "grandson" if sex == "male" else "grandchild"


def _grandparent(sex: str | None) -> str:
    return "grandmother" if sex == "female" else "grandfather" if sex == "male" else "grandparent"


def _parent_in_law(sex: str | None) -> str:
    return "mother_in_law" if sex == "female" else "father_in_law" if sex == "male" else "parent_in_law"


# what the member is to the head, by the member's sex; what the head is to the member, by the head's
_TO_HEAD: dict[str, tuple[Callable[[str | None], str], Callable[[str | None], str]]] = {
    "spouse": (lambda s: "spouse", lambda s: "spouse"),
    "son": (_child, _parent),
    "daughter": (_child, _parent),
    "father": (_parent, _child),
    "mother": (_parent, _child),
    "brother": (_sibling, _sibling),
    "sister": (_sibling, _sibling),
    "grandson": (_grandchild, _grandparent),
    "granddaughter": (_grandchild, _grandparent),
    "daughter_in_law": (lambda s: "daughter_in_law", _parent_in_law),
    "son_in_law": (lambda s: "son_in_law", _parent_in_law),
    "other": (lambda s: "household_member", lambda s: "household_head"),
}


def _parts(name: str | None) -> tuple[str, str]:
    """(given, father's name) of a dotted Uyghur name as written; ("", "") otherwise."""
    if not name:
        return "", ""
    for d in "·・•．‧.\u2022\u30fb\uff0e\u2027":
        if d in name:
            a, b = name.split(d, 1)
            return fold_name(a), fold_name(b)
    return "", ""


def _same_part(a: str, b: str) -> bool:
    if not a or not b:
        return False
    return a == b or bool(name_keys(a) & name_keys(b) - {"f:" + a, "f:" + b})


# Relation words a household has at most once (ordinal child words included), and words that may
# repeat (弟, 妹, 孙子, 其他 ...).
_ONCE = {"spouse", "son", "daughter", "father", "mother"}
_MANY = {"子", "女", "儿子", "女儿", "养子", "养女", "继子", "继女"}


def _part_keys(part: str) -> frozenset[str]:
    """Keys of one name part for the father's-name rule: the characters (skeleton keys of a single
    part are too coarse: 沙吾提 and 阿扎提 would meet)."""
    return frozenset({"f:" + part})


Why = tuple[str | None, ...]  # (template with {} fields, values): formatted only when written


class Graph:
    def __init__(self, clusters: dict[str, Cluster], of_record: dict[int, str], paths: dict[int, str]) -> None:
        self.clusters = clusters
        self.of_record = of_record
        self.paths = paths
        self.number: dict[str, int] = {}  # cluster key -> its number in the arrays
        self.keys: list[str] = []
        self.codes: dict[tuple[str, str | None], int] = {}  # (kind, relation) -> code
        self.code_list: list[tuple[str, str | None]] = []
        # One entry per statement and direction.
        self.src, self.dst, self.code = array("i"), array("i"), array("i")
        self.rec, self.score, self.why = array("q"), array("f"), array("i")
        self.whys: list[Why] = []  # one per statement (both directions share it)
        self._sex: dict[str, str | None] = {}
        self.father_of: dict[str, str] = {}

    def sex(self, key: str) -> str | None:
        s = self._sex.get(key, "?")
        if s == "?":
            c = self.clusters[key]
            if c.id_number:
                s = "male" if c.id_number[16] in "13579" else "female"
            else:
                s = next((r.sex for r in c.records if r.sex), None)
            self._sex[key] = s
        return s

    def name(self, key: str) -> str:
        return next((r.name for r in self.clusters[key].records if r.name), "?")

    def _num(self, key: str) -> int:
        n = self.number.get(key)
        if n is None:
            n = self.number[key] = len(self.keys)
            self.keys.append(key)
        return n

    def _code(self, kind: str, rel: str | None) -> int:
        c = self.codes.get((kind, rel))
        if c is None:
            c = self.codes[(kind, rel)] = len(self.code_list)
            self.code_list.append((kind, rel))
        return c

    def add(self, a: str, b: str, rel_b_to_a: str, rel_a_to_b: str, rec: Rec, score: float, why: Why,
            kind: str = "relative") -> None:  # fmt: skip
        """A states that b is a's ``rel_b_to_a`` (and a is b's ``rel_a_to_b``); ``why`` is a template
        and its values (see ``Why``)."""
        if a == b:
            return
        w = len(self.whys)
        self.whys.append(why)
        na, nb = self._num(a), self._num(b)
        # Both directions at once: (a -> b, what b is to a), then (b -> a).
        self.src.extend((na, nb))
        self.dst.extend((nb, na))
        self.code.extend((self._code(kind, rel_b_to_a), self._code(kind, rel_a_to_b)))
        self.rec.extend((rec.id, rec.id))
        self.score.extend((score, score))
        self.why.extend((w, w))
        if rel_b_to_a == "father":
            self.father_of.setdefault(a, b)
        if rel_a_to_b == "father":
            self.father_of.setdefault(b, a)

    def where(self, rec: Rec) -> str:
        return self.paths.get(rec.file_id, f"file {rec.file_id}")

    # -- households
    def households(self, records: list[Rec]) -> None:
        T = terms()
        by_table: dict[int, list[Rec]] = defaultdict(list)
        for r in records:
            if r.table_id is not None and r.relation and r.id in self.of_record:
                by_table[r.table_id].append(r)
        for rows in by_table.values():
            rows.sort(key=lambda r: r.id)
            block: list[tuple[Rec, str]] = []
            seen: set[str] = set()
            for r in rows:
                key = T.lookup("relation", r.relation)
                if key is None:
                    continue
                word = fold_name(r.relation)
                # A word a household has once (配偶, 父亲, 长子 ...) coming again: a new household
                # whose head is not on this sheet (abroad, dead, registered elsewhere).
                if key == "self" or not block or (word in seen and key in _ONCE and word not in _MANY):
                    self._household(block)
                    block, seen = [], set()
                    if key != "self":
                        block.append((None, "?head"))  # no head row
                block.append((r, key))
                seen.add(word)
            self._household(block)

    def _household(self, block: list[tuple[Rec | None, str]]) -> None:
        if len(block) < 2:
            return
        head_rec = block[0][0]
        if head_rec is None:  # the head is not on the sheet: relations among the others only
            H = None
            hname = "a head not listed"
        else:
            H = self.of_record[head_rec.id]
            hname = head_rec.name or self.name(H)
        role: dict[str, list[tuple[str, Rec]]] = defaultdict(list)
        for rec, key in block[1:]:
            assert rec is not None
            M = self.of_record[rec.id]
            if M == H:
                continue
            role[key].append((M, rec))
            if H is None:
                continue
            if key == "spouse" and self.sex(M) and self.sex(M) == self.sex(H):
                continue  # a "spouse" of the head's own sex: the sheet is not what it seems
            to_head, head_to = _TO_HEAD[key]
            ms, hs = self.sex(M), self.sex(H)
            what = to_head(ms).replace("_", " ")
            self.add(
                H, M, to_head(ms), head_to(hs), rec, DIRECT,
                ("Household sheet: {} is written as {} (与户主关系) of the head {}, so {} is {}'s {}.", rec.name, rec.relation, hname, rec.name, hname, what),
            )  # fmt: skip
        g = DERIVED
        via = f"both in the household of {hname}"
        spouses = role["spouse"]
        children = role["son"] + role["daughter"]
        parents = role["father"] + role["mother"]
        siblings = role["brother"] + role["sister"]
        grandkids = role["grandson"] + role["granddaughter"]
        for S, srec in spouses:
            for C, crec in children:
                self.add(C, S, _parent(self.sex(S)), _child(self.sex(C)), crec, g,
                         ("Derived, {}: {} is the head's spouse and {} the head's {}, so {} is {}'s {}.", via, srec.name, crec.name, _child(self.sex(C)), srec.name, crec.name, _parent(self.sex(S))))
        for (A, arec), (B, brec) in combinations(children, 2):
            self.add(A, B, _sibling(self.sex(B)), _sibling(self.sex(A)), brec, g,
                     ('Derived, {}: {} and {} are both children of the head, so siblings.', via, arec.name, brec.name))
        if len(role["father"]) == 1 and len(role["mother"]) == 1:
            (F, frec), (Mo, morec) = role["father"][0], role["mother"][0]
            self.add(F, Mo, "spouse", "spouse", morec, g,
                     ("Derived, {}: {} and {} are the head's father and mother.", via, frec.name, morec.name))
        for P, prec in parents:
            for Sb, sbrec in siblings:
                self.add(Sb, P, _parent(self.sex(P)), _child(self.sex(Sb)), sbrec, g,
                         ("Derived, {}: {} is the head's {} and {} the head's {}, so {} is {}'s parent.", via, prec.name, _parent(self.sex(P)), sbrec.name, _sibling(self.sex(Sb)), prec.name, sbrec.name))
            for C, crec in children:
                self.add(C, P, _grandparent(self.sex(P)), _grandchild(self.sex(C)), crec, g,
                         ("Derived, {}: {} is the head's parent and {} the head's child.", via, prec.name, crec.name))
        for (A, arec), (B, brec) in combinations(siblings, 2):
            self.add(A, B, _sibling(self.sex(B)), _sibling(self.sex(A)), brec, g,
                     ('Derived, {}: {} and {} are both siblings of the head.', via, arec.name, brec.name))
        for S, srec in spouses:  # head's spouse and the head's parents: in-laws
            for P, prec in parents:
                self.add(S, P, _parent_in_law(self.sex(P)),
                         "daughter_in_law" if self.sex(S) == "female" else "son_in_law", srec, g,
                         ("Derived, {}: {} is the head's spouse and {} the head's parent.", via, srec.name, prec.name))
        # Grandchildren: their father is the head's son whose given name they carry as father's name.
        if grandkids:
            sons = role["son"]
            fathers: dict[str, list[tuple[str, Rec]]] = defaultdict(list)
            for Gk, grec in grandkids:
                _, fpart = _parts(grec.name)
                match = [(S, srec) for S, srec in sons if _same_part(_parts(srec.name)[0], fpart)]
                if len(match) != 1 and len(sons) == 1:
                    match = sons
                    basis = "the only son of the head in the household"
                else:
                    basis = "the head's son whose given name the grandchild carries as father's name"
                if len(match) == 1:
                    S, srec = match[0]
                    fathers[S].append((Gk, grec))
                    self.add(Gk, S, "father", _child(self.sex(Gk)), grec, GUESSED,
                             ("Derived, {}: {} is a grandchild of the head and {} is {}, so {} is {}'s father.", via, grec.name, srec.name, basis, srec.name, grec.name))
                for H2, hrec in spouses:
                    self.add(Gk, H2, _grandparent(self.sex(H2)), _grandchild(self.sex(Gk)), grec, g,
                             ("Derived, {}: {} is a grandchild of the head and {} the head's spouse.", via, grec.name, hrec.name))
            dil = role["daughter_in_law"]
            for S, kids in fathers.items():
                for (A, arec), (B, brec) in combinations(kids, 2):
                    self.add(A, B, _sibling(self.sex(B)), _sibling(self.sex(A)), brec, GUESSED,
                             ('Derived, {}: {} and {} are grandchildren with the same father.', via, arec.name, brec.name))
            if len(dil) == 1 and len(fathers) == 1:
                (D, drec), (S, kids) = dil[0], next(iter(fathers.items()))
                srec = next(r for s, r in sons if s == S)
                self.add(S, D, "spouse", "spouse", drec, GUESSED,
                         ("Derived, {}: {} is the head's only daughter-in-law and {} the father of the head's grandchildren.", via, drec.name, srec.name))
                for Gk, grec in kids:
                    self.add(Gk, D, "mother", _child(self.sex(Gk)), grec, GUESSED,
                             ("Derived, {}: {} is the wife of {}, {}'s father.", via, drec.name, srec.name, grec.name))
            elif len(dil) == 1 and len(sons) == 1 and not fathers:
                (D, drec), (S, srec) = dil[0], sons[0]
                self.add(S, D, "spouse", "spouse", drec, GUESSED,
                         ("Derived, {}: {} is the head's only daughter-in-law and {} the only son.", via, drec.name, srec.name))
        elif len(role["daughter_in_law"]) == 1 and len(role["son"]) == 1:
            (D, drec), (S, srec) = role["daughter_in_law"][0], role["son"][0]
            self.add(S, D, "spouse", "spouse", drec, GUESSED,
                     ("Derived, {}: {} is the head's only daughter-in-law and {} the only son.", via, drec.name, srec.name))

    # -- rows naming the ID of the person they are a relative of
    def relative_of(self, records: list[Rec]) -> None:
        T = terms()
        for r in records:
            if not r.relative_of or r.id not in self.of_record:
                continue
            H = "id:" + r.relative_of
            if H not in self.clusters:
                continue
            M = self.of_record[r.id]
            key = T.lookup("relation", r.relation) or "other"
            if key == "self":
                continue
            to_head, head_to = _TO_HEAD[key]
            hname = self.name(H)
            abroad = ""
            if r.address and any(w in r.address for w in ("境外", "国外")):
                abroad = f" (listed as abroad: {r.address})"
            self.add(H, M, to_head(self.sex(M)), head_to(self.sex(H)), r, DIRECT,
                     ('{} is written as {} of {} ({}){}.', r.name, r.relation or 'a relative', hname, r.relative_of, abroad))

    # -- the same cell of the same list
    def co_listed(self, records: list[Rec]) -> None:
        cells: dict[tuple[int, str, str, str], list[Rec]] = defaultdict(list)
        for r in records:
            if r.table_id is not None and r.cell and r.id in self.of_record:
                cells[(r.table_id, r.facility or "", r.building or "", r.cell)].append(r)
        for (_t, fac, bld, cell), rows in cells.items():
            if not 2 <= len(rows) <= MAX_CELL:
                continue
            place = " ".join(x for x in (fac, bld, f"cell {cell}") if x)
            for a, b in combinations(rows, 2):
                A, B = self.of_record[a.id], self.of_record[b.id]
                self.add(A, B, "co_listed", "co_listed", b, CO_LISTED,
                         ('Listed in the same cell ({}) of one list.', place), kind="co_listed")

    # -- names: a Uyghur name carries the father's given name (买买提·吐尔逊: Memet, son of Tursun)
    def by_names(self, records: list[Rec]) -> None:
        """Parents across households of one sheet (a village register): a person whose father's
        name is the given name of exactly one man of the sheet, of an age to be the father
        (16-65 years older), is linked to him as a possible father. Weaker than stated relations
        (about 4 in 5 are right on the synthetic leak): the score and why say so."""
        by_table: dict[int, dict[str, Rec]] = defaultdict(dict)
        for r in records:
            if r.table_id is not None and r.relation and r.id in self.of_record:
                by_table[r.table_id].setdefault(self.of_record[r.id], r)
        father_of = self.father_of
        inferred: dict[str, tuple[str, Rec, Rec]] = {}
        for members in by_table.values():
            # men of the sheet by given name, sorted by birth year
            males: dict[str, list[tuple[int, str, Rec]]] = defaultdict(list)
            years: dict[str, int | None] = {}
            for K, r in members.items():
                years[K] = self.birth_year(K)
                if years[K] and self.sex(K) == "male":
                    given, _ = _parts(r.name)
                    if given:
                        males[given].append((years[K], K, r))  # type: ignore[arg-type]
            for lst in males.values():
                lst.sort(key=lambda x: x[0])
            for K, r in members.items():
                if K in father_of or K in inferred:
                    continue
                _, fpart = _parts(r.name)
                born = years[K]
                lst = males.get(fpart) if fpart else None
                if not lst or not born:
                    continue
                lo = bisect_left(lst, born - 65, key=lambda x: x[0])
                hi = bisect_right(lst, born - 16, key=lambda x: x[0])
                window = [x for x in lst[lo:hi] if x[1] != K]
                if len(window) == 1:
                    _, F, fr = window[0]
                    inferred[K] = (F, r, fr)
        for K, (F, r, fr) in inferred.items():
            self.add(K, F, "father", _child(self.sex(K)), r, NAMED,
                     ("Inferred from names, not stated by any source: {} carries the father's name {}, and {} is the only man of that given name in the sheet of an age to be the father. Possibly the father.", r.name, _parts(r.name)[1], fr.name))
            father_of[K] = F
        # Siblings and mothers through an inferred father are not derived: one wrong father (a
        # namesake of the right age while the real father is dead or lives elsewhere) would spread.

    def birth_year(self, key: str) -> int | None:
        c = self.clusters[key]
        if c.id_number:
            return int(c.id_number[6:10])
        b = next((r.birth for r in c.records if r.birth), None)
        if b:
            return int(b[:4])
        pat = next((r.id_pattern for r in c.records if r.id_pattern), None)
        if pat and "?" not in pat[6:10]:
            return int(pat[6:10])
        return None

    LINKS_SLICE = 65_536

    def rows(self, ids: Mapping[str, str]) -> Iterator[tuple[str, str, str, str | None, int, float, str]]:
        """Each (src, dst, kind, relation) once, as the link table's row (kind, src, dst, relation,
        record_id, score, why) with ``ids`` giving each cluster's person id: the statement with
        the highest score (the first made among equals), its why noting how many times the
        sources state or imply it."""
        n = len(self.src)
        if not n:
            return
        src = np.frombuffer(self.src, dtype=np.int32)
        dst = np.frombuffer(self.dst, dtype=np.int32)
        code = np.frombuffer(self.code, dtype=np.int32)
        score = np.frombuffer(self.score, dtype=np.float32)
        order = np.lexsort((np.arange(n), -score, code, dst, src))
        s, d, c = src[order], dst[order], code[order]
        first = np.ones(n, dtype=bool)
        first[1:] = (s[1:] != s[:-1]) | (d[1:] != d[:-1]) | (c[1:] != c[:-1])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, n))
        best = order[starts]
        del s, d, c, first, order
        # Emitted in the order the statements were first made (as the sources read). The loop
        # reads plain lists, not numpy scalars (2.8 million links at full scale: 10 s -> 4), made
        # a slice at a time: whole, they would hold 200 MB at the rebuild's peak. Rows are made
        # here, not as objects mapped again by the caller (2 s at full scale).
        emit = np.argsort(best, kind="stable")
        pid = [ids[k] for k in self.keys]
        codes, whys, code_list = self.code, self.whys, self.code_list
        srcs, dsts, recs, scores, why_of = self.src, self.dst, self.rec, self.score, self.why
        for at in range(0, len(emit), self.LINKS_SLICE):
            part = emit[at : at + self.LINKS_SLICE]
            for j, times in zip(best[part].tolist(), counts[part].tolist()):
                kind, rel = code_list[codes[j]]
                why = whys[why_of[j]]
                text = str(why[0]).format(*why[1:])
                sc = round(scores[j], 3)
                if times > 1:
                    text = f"{text} (stated or derived {times} times in the sources)"
                    sc = round(min(0.99, sc + 0.02 * (times - 1)), 3)
                yield (kind, pid[srcs[j]], pid[dsts[j]], rel, recs[j], sc, text)


def build(clusters: dict[str, Cluster], of_record: dict[int, str], paths: dict[int, str],
          records: list[Rec]) -> Graph:  # fmt: skip
    """The graph of every statement; ``Graph.rows()`` yields the links to store."""
    g = Graph(clusters, of_record, paths)
    g.households(records)
    g.relative_of(records)
    g.by_names(records)
    g.co_listed(records)
    return g
