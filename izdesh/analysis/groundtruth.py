"""Measuring a store against a synthetic leak's ground truth (DIR/truth/), for tests and benchmarks.

The truth is the generator's answer key; only this module reads it, never the ingester.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from izdesh.records.mapping import id_fields
from izdesh.store import schema

# Damage after which the written number cannot give the true one back.
UNRECOVERABLE = {"excel_float", "bad_check"}


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


@dataclass
class Recovery:
    """How many truth mentions of one kind the store recovered."""

    kind: str
    mentions: int = 0  # in files the generator left readable (broken files are counted apart)
    in_broken_files: int = 0
    found: int = 0  # a record at the mention's place (table: file+sheet+row; else file+ID)
    id_right: int = 0  # ...whose ID reading is right (the number, its pattern, or "invalid")
    records: int = 0  # records of this kind in the store, in the files measured
    spurious: int = 0  # records of this kind with no truth mention at their place
    misses: list[dict[str, Any]] = field(default_factory=list)  # a few, to look at

    @property
    def recall(self) -> float:
        return self.found / self.mentions if self.mentions else 1.0

    @property
    def precision(self) -> float:
        return 1 - self.spurious / self.records if self.records else 1.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(recall=round(self.recall, 5), precision=round(self.precision, 5))
        return d


def _id_right(rec: dict[str, Any], m: dict[str, Any]) -> bool:
    damage = set(m.get("id_damage") or [])
    if m.get("written_id") in (None, ""):
        return rec["id_number"] is None
    if "bad_check" in damage:
        return rec["id_valid"] == 0
    if "excel_float" in damage:
        pat = rec["id_pattern"] or ""
        return len(pat) == 18 and all(c in ("?", t) for c, t in zip(pat, m["id_number"], strict=True))
    return rec["id_number"] == m["id_number"]


def _written_number(written: str) -> str | None:
    return id_fields(written)[0]["id_number"]


def table_key(file: str, locator: dict[str, Any]) -> tuple[str, str, int]:
    """A table row's place: a sheet (CSV: none) or a Word document's n-th table."""
    where = f"table {locator['table']}" if "table" in locator else (locator.get("sheet") or "")
    return file, where, int(locator["row"])


def evaluate(engine: Engine, leak: Path, *, formats: set[str] | None = None) -> dict[str, Recovery]:
    """Recovery per mention kind (table, text, ocr, photo), over files of `formats` (the truth's
    format names: xlsx, xls, csv-gb18030, docx, ...) or all."""
    f, r = schema.source_file, schema.record
    by_kind: dict[str, Recovery] = {}
    tables: dict[tuple[str, str, int], dict[str, Any]] = {}
    by_file_id: dict[tuple[str, str], dict[str, Any]] = {}
    with engine.connect() as conn:
        q = select(
            f.c.path, r.c.kind, r.c.locator, r.c.id_number, r.c.id_pattern, r.c.id_valid, r.c.name
        ).join(f, f.c.id == r.c.file_id)
        for row in conn.execute(q).mappings():
            rec = dict(row)
            if rec["kind"] == "table":
                tables[table_key(rec["path"], rec["locator"])] = rec
            elif rec["id_number"]:
                by_file_id[(rec["path"], rec["id_number"])] = rec
            elif rec["name"]:  # a person named in running text without an ID number
                by_file_id[(rec["path"], "name:" + rec["name"].strip())] = rec
    used: set[Any] = set()
    files = list(read_jsonl(leak / "truth" / "files.jsonl"))
    broken = {x["path"] for x in files if x["state"] not in ("ok", "misnamed")}
    chosen = {x["path"] for x in files if formats is None or x["format"] in formats}
    for m in read_jsonl(leak / "truth" / "mentions.jsonl"):
        if m["file"] not in chosen:
            continue
        rv = by_kind.setdefault(m["kind"], Recovery(m["kind"]))
        if m["file"] in broken:
            rv.in_broken_files += 1
            continue
        rv.mentions += 1
        if m["kind"] == "table":
            key: Any = table_key(m["file"], m["locator"])
            rec = tables.get(key)
        elif m.get("written_id"):
            # The record holds the number as written: a mistyped check digit is not the true ID.
            key = (m["file"], m["id_number"])
            rec = by_file_id.get(key)
            written = _written_number(m["written_id"])
            if rec is None and written and written != m["id_number"]:
                key = (m["file"], written)
                rec = by_file_id.get(key)
        else:
            key = (m["file"], "name:" + (m.get("written_name") or "").strip())
            rec = by_file_id.get(key)
        if rec is None:
            if len(rv.misses) < 20:
                rv.misses.append(m)
            continue
        used.add(key)
        rv.found += 1
        rv.id_right += _id_right(rec, m)
    for kind, rv in by_kind.items():
        if kind == "table":
            rv.spurious = sum(1 for k in tables if k[0] in chosen and k not in used)
        else:
            rv.spurious = sum(
                1 for k, rec in by_file_id.items() if rec["kind"] == kind and k[0] in chosen and k not in used
            )
        rv.records = rv.found + rv.spurious
    return by_kind


# --- the camp/prison share, from the truth (for izdesh.analysis.stats) ---------------------------

CAMP_OR_PRISON = ("detained", "re_education", "sentenced")  # generate.population.is_camp_or_prison
COUNTY_CODE = {"疏附县": "653121", "特克斯县": "654027"}  # current codes, as persons.jsonl writes them
_LIST_DATE = __import__("re").compile(r"_(\d{8})\.[A-Za-z0-9]+$")


def _status_on(statuses: list[dict[str, Any]], on: str) -> dict[str, Any] | None:
    cur = None
    for e in statuses:
        if e["date"] <= on:
            cur = e
        else:
            break
    return cur


def camp_share_truth(leak: Path, *, age_year: int = 2017, adult: int = 18,
                     present: set[str] | None = None) -> dict[str, Any]:
    """The camp/prison share computed from truth/persons.jsonl alone, per county and population
    ("non_han_adults" as the generator defines it, "adults"), three ways:

    full       the generator's definition (population.is_camp_or_prison over _eligible): residents
               (alive, not abroad) of the county, ethnicity not 汉族 (or any), aged >= 18 in 2017
               (2017 - birth year); numerator: any status detained / re_education / sentenced.
    visible    a lower bound of what the readable files show: the denominator restricted to persons
               with a mention whose ID reads back exactly (file readable, ID written, not damaged
               beyond recovery: Excel float, bad check character); the numerator to those with such a
               table mention in a row that shows a placement: a detainee list, a sentence list, or a
               report table whose status column is the person's latest status.
    in_store   (when ``present``, the ID numbers of the store's persons, is given) the truth over
               exactly those persons: the denominator the store should find; numerator as
               visible_upper.
    visible_upper  an upper bound: mentions with damaged IDs count too (the linker may recover them
               from a typo or a partial number), and household sheets dated (file name) within a
               placement count (their status column is present in ~60% of sheets).
    """
    files = {x["path"]: x for x in read_jsonl(leak / "truth" / "files.jsonl")}
    readable = {p for p, x in files.items() if x["state"] in ("ok", "misnamed")}
    persons = {p["pid"]: p for p in read_jsonl(leak / "truth" / "persons.jsonl")}
    seen: set[int] = set()
    seen_upper: set[int] = set()
    shown: set[int] = set()
    shown_upper: set[int] = set()
    for m in read_jsonl(leak / "truth" / "mentions.jsonl"):
        if m["file"] not in readable:
            continue
        pid = m["pid"]
        exact = bool(m.get("written_id")) and not set(m.get("id_damage") or []) & UNRECOVERABLE
        seen_upper.add(pid)
        if exact:
            seen.add(pid)
        if m["kind"] != "table":
            continue
        kind = files[m["file"]]["kind"]
        st = persons[pid]["statuses"]
        placed = kind in ("detainee_list", "sentence_list") or (
            kind == "report" and bool(st) and st[-1]["status"] in CAMP_OR_PRISON)
        if placed:
            shown_upper.add(pid)
            if exact:
                shown.add(pid)
        elif kind == "household":
            d = _LIST_DATE.search(m["file"])
            if d:
                on = f"{d.group(1)[:4]}-{d.group(1)[4:6]}-{d.group(1)[6:]}"
                e = _status_on(st, on)
                if e is not None and e["status"] in CAMP_OR_PRISON:
                    shown_upper.add(pid)
    shown_upper |= shown
    out: dict[str, Any] = {}
    for county, code in COUNTY_CODE.items():
        for population in ("non_han_adults", "adults"):
            den = num = vden = vnum = vden_up = vnum_up = sden = snum = 0
            for pid, p in persons.items():
                if p["county_code"] != code or p["abroad"] or not p["alive"]:
                    continue
                if age_year - int(p["birth_date"][:4]) < adult:
                    continue
                if population != "adults" and p["ethnicity"] == "汉族":
                    continue
                placed = any(e["status"] in CAMP_OR_PRISON for e in p["statuses"])
                den += 1
                num += placed
                if pid in seen:
                    vden += 1
                    vnum += pid in shown
                if pid in seen_upper:
                    vden_up += 1
                    vnum_up += pid in shown_upper
                if present is not None and p["id_number"] in present:
                    sden += 1
                    snum += pid in shown_upper
            out[f"{county} {population}"] = {
                "full": {"numerator": num, "denominator": den, "share": num / den if den else None},
                "visible": {"numerator": vnum, "denominator": vden, "share": vnum / vden if vden else None},
                "visible_upper": {"numerator": vnum_up, "denominator": vden_up,
                                  "share": vnum_up / vden_up if vden_up else None},
                **({"in_store": {"numerator": snum, "denominator": sden, "share": snum / sden if sden else None}}
                   if present is not None else {}),
            }
    return out
