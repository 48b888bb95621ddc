"""Search quality against the generator's truth: sampled persons queried by their name as a family
would write it (Uyghur Latin with and without diacritics, Uyghur Arabic script, Cyrillic, passport
pinyin), with the birth year added where namesakes share the name. Used by tests and bench/.

Figures, per query script (`measure`):
  recall@k (strict)  the target person is among the first k results.
  tied recall@k      the target's tie-aware rank is at most k, where tie-aware rank = 1 + the
                     number of results ranked above the target that the query can tell apart from
                     it. A person the query cannot tell apart ("twin") has the same Latin full name
                     in the truth (diacritics and case folded) and the same birth year; a person
                     without an ID number is never a twin. In the township variant a twin must
                     also be from the target's township in the truth, or be a person whose
                     township the store does not know (a hint cannot order what the store does
                     not say; the search sees only the store). A target not among the first 100
                     results has no rank (a miss).
  tied recall@1, truth townships (township variant only; the count of earlier runs): the same,
                     but a twin must be from the target's township in the truth, whatever the store
                     knows. It charges the search for townships missing from the records.
  tied queries       queries whose target has at least one twin among the stored persons (truth
                     townships in the township variant).
  misses at 1 (strict), each in exactly one class:
    a retrieval  the target is not among the first 100 results at all;
    b scoring    some person the query can tell apart from the target ranked above it
                 (b_unidentified: all of those are persons without an ID number);
    c tie        only twins ranked above it
                 (c_township_unknown, township variant: a b miss under truth townships, only
                 because the store does not know the township of a person ranked above).
The township variant adds the target's township from the truth as a hint (what a family knows):
persons the store places elsewhere rank lower (search.engine.Filters.township_hint).
"""

from __future__ import annotations

import random
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import Engine, select

from izdesh.analysis.groundtruth import read_jsonl
from izdesh.generate.names import latin_to_arabic, latin_to_cyrillic
from izdesh.search.engine import Filters, search
from izdesh.store import schema

SCRIPTS = ("latin", "latin_plain", "arabic", "cyrillic", "pinyin")
DEEP = 100  # results read to find the rank of a target missed at 10


@dataclass(frozen=True, slots=True)
class NameQuery:
    script: str
    text: str
    id_number: str
    birth_year: int | None  # given with the query where namesakes share the name
    township: str | None = None  # the truth's township, for the township variant


class Sample(list[NameQuery]):
    """The queries (a list), with what tells persons apart: `who` maps the ID number of every
    stored person in the truth to (folded Latin full name, birth year, township)."""

    def __init__(self, queries: list[NameQuery], who: dict[str, tuple[str, int, str]] | None = None) -> None:
        super().__init__(queries)
        self.who = who or {}
        self._groups: Counter[tuple[str, int, str]] = Counter()

    def twin_key(self, id_number: str | None, township: bool) -> tuple[str, int, str] | None:
        w = self.who.get(id_number or "")
        if w is None:
            return None
        return w if township else (w[0], w[1], "")

    def is_twin(self, other: str | None, target: str, township: bool, town_known: set[str] | None) -> bool:
        """Whether the query for `target` cannot tell `other` apart (module doc): the same folded
        Latin name and birth year, and in the township variant the same township in the truth
        or (given `town_known`, the persons whose township the store knows) one the store lacks."""
        mine = self.twin_key(target, township)
        if mine is None or self.twin_key(other, False) != self.twin_key(target, False):
            return False
        return self.twin_key(other, township) == mine or (town_known is not None and other not in town_known)

    def twins(self, id_number: str, township: bool) -> int:
        """Stored persons the query cannot tell apart from this one, itself excluded."""
        if not self._groups:
            for w in self.who.values():
                self._groups[w] += 1
                self._groups[(w[0], w[1], "")] += 1
        key = self.twin_key(id_number, township)
        return self._groups[key] - 1 if key else 0


def strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def passport_pinyin(name_zh: str) -> str:
    """How a passport writes a Chinese-character name: pinyin per part, parts capitalised."""
    parts = [p for p in name_zh.replace("・", "·").split("·") if p]
    return " ".join("".join(lazy_pinyin(p, style=Style.NORMAL)).replace("ü", "u").capitalize() for p in parts)


def render(script: str, latin: str, name_zh: str) -> str:
    if script == "latin":
        return latin
    if script == "latin_plain":
        return strip_marks(latin)
    if script == "arabic":
        return latin_to_arabic(latin)
    if script == "cyrillic":
        return latin_to_cyrillic(latin)
    return passport_pinyin(name_zh)


def name_queries(leak: Path, engine: Engine, n: int, seed: int = 0) -> Sample:
    """`n` persons with a Uyghur name who are in the store under a written name (a person known
    only from a mugshot's file name has none to find), each as a query in every script."""
    person = schema.person
    with engine.connect() as conn:
        rows = conn.execute(
            select(person.c.id_number, person.c.name.is_not(None)).where(person.c.id_number.is_not(None))
        )
        stored = {idn: named for idn, named in rows}
    truth = [p for p in read_jsonl(leak / "truth" / "persons.jsonl") if p["id_number"] in stored]
    who = {
        p["id_number"]: (strip_marks(p["name_latin"]).lower(), int(p["birth_date"][:4]), p["township"] or "")
        for p in truth
    }
    people = [p for p in truth if p["father_latin"] and stored[p["id_number"]]]
    # Namesakes: the same name as a family writes it, or the same characters in the records.
    latin = Counter(strip_marks(p["name_latin"]).lower() for p in people)
    chinese = Counter(p["name_zh"] for p in people)
    sample = random.Random(seed).sample(people, min(n, len(people)))
    out = []
    for p in sample:
        shared = latin[strip_marks(p["name_latin"]).lower()] > 1 or chinese[p["name_zh"]] > 1
        year = int(p["birth_date"][:4]) if shared else None
        for script in SCRIPTS:
            text = render(script, p["name_latin"], p["name_zh"])
            out.append(NameQuery(script, text, p["id_number"], year, p["township"]))
    return Sample(out, who)


def _filters(q: NameQuery, township: bool, wrong: dict[str, str] | None = None) -> Filters | None:
    hint = (wrong or {}).get(q.township or "") if wrong is not None else (q.township if township else None)
    if not q.birth_year and not hint:
        return None
    return Filters(birth_year_from=q.birth_year, birth_year_to=q.birth_year, township_hint=hint)


def measure(
    engine: Engine, queries: list[NameQuery], limit: int = 10, township: bool = False, wrong_township: bool = False
) -> dict[str, dict[str, Any]]:
    """Strict and tie-aware recall@1 and @10, miss classes and latency per script (module doc).
    Plain NameQuery lists (no `who`) have no twins: their tie-aware figures are the strict ones.
    `wrong_township`: the hint is another township of the truth (the next in sorted order), as when
    a family remembers the wrong one; twins are counted as without a township."""
    sample = queries if isinstance(queries, Sample) else Sample(queries)
    wrong = None
    if wrong_township:
        towns = sorted({w[2] for w in sample.who.values() if w[2]} | {q.township for q in sample if q.township})
        wrong = {t: towns[(k + 1) % len(towns)] for k, t in enumerate(towns)} if len(towns) > 1 else {}
        township = False
    c: dict[str, Counter[str]] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)  # CPU time too: wall on a shared machine waits
    for q in sample:
        f = _filters(q, township, wrong)
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            res = search(engine, q.text, limit=limit, filters=f)
        except ValueError:
            res = []
        times[q.script].append((time.perf_counter() - t0) * 1000)
        ids = [r.id_number for r in res]
        cpu[q.script].append((time.process_time() - c0) * 1000)
        n = c[q.script]
        n["queries"] += 1
        n["tied_queries"] += sample.twins(q.id_number, township) > 0
        n["recall@1"] += ids[:1] == [q.id_number]
        n["recall@10"] += q.id_number in ids[:10]
        if q.id_number not in ids:  # its rank further down, for the tie-aware figure
            try:
                res = search(engine, q.text, limit=DEEP, filters=f)
            except ValueError:
                res = []
            ids = [r.id_number for r in res]
        if q.id_number not in ids:
            n["miss_a_retrieval"] += 1
            continue
        above = ids[: ids.index(q.id_number)]
        town_known = {r.id_number for r in res if r.id_number and r.township}
        apart = [i for i in above if not sample.is_twin(i, q.id_number, township, town_known)]
        apart_truth = [i for i in above if not sample.is_twin(i, q.id_number, township, None)]
        rank = 1 + len(apart)
        n["tied_recall@1"] += rank <= 1
        n["tied_recall@10"] += rank <= 10
        n["tied_recall@1_truth_towns"] += not apart_truth
        if above:
            if apart:
                n["miss_b_scoring"] += 1
                n["miss_b_unidentified"] += all(i is None for i in apart)
            else:
                n["miss_c_tie"] += 1
                n["miss_c_township_unknown"] += bool(apart_truth)
    out: dict[str, dict[str, Any]] = {}
    for s, n in c.items():
        ts = sorted(times[s])
        total = n["queries"]
        row: dict[str, Any] = {"queries": total, "tied_queries": n["tied_queries"]}
        for k in ("recall@1", "recall@10", "tied_recall@1", "tied_recall@10", "tied_recall@1_truth_towns"):
            row[k] = round(n[k] / total, 4)
        for k in ("miss_a_retrieval", "miss_b_scoring", "miss_b_unidentified", "miss_c_tie", "miss_c_township_unknown"):
            row[k] = n[k]
        row["p50_ms"] = round(statistics.median(ts), 2)
        row["p95_ms"] = round(ts[int(0.95 * (len(ts) - 1))], 2)
        row["cpu_p95_ms"] = round(sorted(cpu[s])[int(0.95 * (len(ts) - 1))], 2)
        out[s] = row
    return out
