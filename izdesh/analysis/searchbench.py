"""Search quality against the generator's truth: sampled persons queried by their name as a family
would write it (Uyghur Latin with and without diacritics, Uyghur Arabic script, Cyrillic, passport
pinyin), with the birth year added where namesakes share the name. Used by tests and bench/."""

from __future__ import annotations

import random
import statistics
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from pypinyin import Style, lazy_pinyin
from sqlalchemy import Engine, select

from izdesh.analysis.groundtruth import read_jsonl
from izdesh.generate.names import latin_to_arabic, latin_to_cyrillic
from izdesh.search.engine import Filters, search
from izdesh.store import schema

SCRIPTS = ("latin", "latin_plain", "arabic", "cyrillic", "pinyin")


@dataclass(frozen=True, slots=True)
class NameQuery:
    script: str
    text: str
    id_number: str
    birth_year: int | None  # given with the query where namesakes share the name


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


def name_queries(leak: Path, engine: Engine, n: int, seed: int = 0) -> list[NameQuery]:
    """`n` persons with a Uyghur name who are in the store under a written name (a person known
    only from a mugshot's file name has none to find), each as a query in every script."""
    p = schema.person
    with engine.connect() as conn:
        stored = set(conn.execute(select(p.c.id_number).where(p.c.name.is_not(None))).scalars())
    people = [
        p
        for p in read_jsonl(leak / "truth" / "persons.jsonl")
        if p["father_latin"] and p["id_number"] in stored
    ]
    # Namesakes: the same name as a family writes it, or the same characters in the records.
    latin = Counter(strip_marks(p["name_latin"]).lower() for p in people)
    chinese = Counter(p["name_zh"] for p in people)
    sample = random.Random(seed).sample(people, min(n, len(people)))
    out = []
    for p in sample:
        shared = latin[strip_marks(p["name_latin"]).lower()] > 1 or chinese[p["name_zh"]] > 1
        year = int(p["birth_date"][:4]) if shared else None
        for script in SCRIPTS:
            out.append(NameQuery(script, render(script, p["name_latin"], p["name_zh"]), p["id_number"], year))
    return out


def measure(engine: Engine, queries: list[NameQuery], limit: int = 10) -> dict[str, dict[str, float]]:
    """recall@1, recall@10 and latency per script."""
    hits1: Counter[str] = Counter()
    hits10: Counter[str] = Counter()
    total: Counter[str] = Counter()
    times: dict[str, list[float]] = defaultdict(list)
    for q in queries:
        f = Filters(birth_year_from=q.birth_year, birth_year_to=q.birth_year) if q.birth_year else None
        t0 = time.perf_counter()
        try:
            ids = [r.id_number for r in search(engine, q.text, limit=limit, filters=f)]
        except ValueError:
            ids = []
        times[q.script].append((time.perf_counter() - t0) * 1000)
        total[q.script] += 1
        hits1[q.script] += ids[:1] == [q.id_number]
        hits10[q.script] += q.id_number in ids
    out = {}
    for s in total:
        ts = sorted(times[s])
        out[s] = {
            "queries": total[s],
            "recall@1": round(hits1[s] / total[s], 4),
            "recall@10": round(hits10[s] / total[s], 4),
            "p50_ms": round(statistics.median(ts), 2),
            "p95_ms": round(ts[int(0.95 * (len(ts) - 1))], 2),
        }
    return out
