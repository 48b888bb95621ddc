"""Cross-reference an outside list of people (a victims-database export, a family's list) against
the store: ranked candidate persons with the reasons for each.

Input: a CSV with a header. Columns are recognised by name (case and spaces ignored):
name (name, full_name, name_latin, ...), birth year or date (birth_year, born, dob, birth_date,
year_of_birth, ...), place (place, village, township, county, hometown, address, ...), ID number
(id_number, id, national_id, ...). Every input column is echoed back in ``input``.

Matching: an ID number that reads as a valid 18-character number finds its person directly. Names
go through the cross-script name keys (``izdesh.names``): candidates share a whole-name key, or a
part key and a birth year within one year; each candidate is scored by ``names.score`` over every
form of the name the records write, then weighed by birth year and place.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from izdesh import names
from izdesh.identity.idnumber import parse as parse_id
from izdesh.store import schema

COLUMNS = {
    "name": ("name", "fullname", "name_latin", "namelatin", "person", "victim", "victimname", "ism", "isim",
             "ad", "adsoyad", "имя", "фио", "ئىسىم", "姓名"),
    "birth": ("birthyear", "birth_year", "born", "dob", "birthdate", "birth_date", "dateofbirth", "yearofbirth",
              "year", "yob", "doğumyılı", "dogumyili", "出生日期", "出生年份"),
    "place": ("place", "village", "township", "county", "hometown", "address", "location", "birthplace",
              "residence", "yurt", "köy", "koy", "住址", "地址"),
    "id": ("id_number", "idnumber", "id", "nationalid", "idcard", "idno", "citizenid", "身份证号", "身份证号码"),
}
MAX_CANDIDATES = 4000  # name-key candidates scored per row (the most key overlaps first)
YEAR_WEIGHT = {0: 1.0, 1: 0.88}  # birth-year difference -> multiplier; beyond: YEAR_FAR
YEAR_FAR = 0.55
YEAR_UNKNOWN = 0.9  # the store has no birth date for the person
PLACE_BONUS = 0.08  # the place given is one the person's records write
PLACE_OTHER = 0.9  # the person's records write places, none of them the one given
ID_MISMATCH = 0.5


def _fold_header(h: str) -> str:
    return re.sub(r"[\s_\-.]+", "", unicodedata.normalize("NFKC", h).strip().lower())


def map_columns(header: list[str]) -> dict[str, str]:
    """role -> header of the input CSV."""
    out: dict[str, str] = {}
    folded = {_fold_header(h): h for h in header}
    for role, options in COLUMNS.items():
        for o in options:
            f = _fold_header(o)
            if f in folded and folded[f] not in out.values():
                out[role] = folded[f]
                break
    return out


def birth_year_of(text: str | None) -> int | None:
    if not text:
        return None
    m = re.search(r"(?<!\d)(19\d\d|20[0-2]\d)(?!\d)", unicodedata.normalize("NFKC", str(text)))
    return int(m.group(1)) if m else None


def _fold_place(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.lower())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", s)


_SUFFIX = re.compile(r"(村|镇|乡|社区|街道|县|民族乡)$")


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, set[str]]:
    """Chinese place name -> folded Latin names (county, township, village), from the place list
    shipped with the package (public township and village names)."""
    import json
    from importlib import resources

    out: dict[str, set[str]] = defaultdict(set)
    try:
        data = json.loads(resources.files("izdesh.generate.data").joinpath("places.json").read_text("utf-8"))
    except (OSError, ModuleNotFoundError, ValueError):
        return {}
    for county in data.values():
        for k in ("name_latin", "name_uyghur_latin"):
            if county.get(k):
                out[county["name_zh"]].add(_fold_place(county[k]))
        for t in county.get("townships", ()):
            if t.get("name_latin"):
                out[t["name_zh"]].add(_fold_place(t["name_latin"]))
            for v in t.get("villages", ()):
                if v.get("name_latin"):
                    out[v["name_zh"]].add(_fold_place(v["name_latin"]))
    return dict(out)


@lru_cache(maxsize=1)
def _gazetteer_names() -> tuple[tuple[str, frozenset[str]], ...]:
    """(Chinese name, its folded Latin names), longest Chinese names first."""
    gz = gazetteer()
    return tuple(sorted(((zh, frozenset(lat)) for zh, lat in gz.items()), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=100_000)
def _latin_in(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Gazetteer places named inside a Chinese text (a village, a township, an address)."""
    out = []
    for zh, lat in _gazetteer_names():
        if zh in text or (len(_SUFFIX.sub("", zh)) >= 2 and _SUFFIX.sub("", zh) in text):
            out.append((zh, lat))
    return tuple(out)


def place_match(place: str, zh_places: list[str]) -> str | None:
    """The Chinese place (in a village, township or address the records write) that the Latin or
    Chinese ``place`` names, or None."""
    if not place:
        return None
    pf = _fold_place(place)
    for text in zh_places:
        if not text:
            continue
        for zh, latins in _latin_in(text):
            if zh in place or _SUFFIX.sub("", zh) in place:
                return zh
            for latin in latins:
                if latin and pf and (latin == pf or (len(latin) >= 4 and latin in pf) or (len(pf) >= 5 and pf in latin)):
                    return zh
    return None


@dataclass
class Candidate:
    idx: int
    overlap: int = 0


@dataclass
class PersonIndex:
    ids: list[str] = field(default_factory=list)
    id_numbers: list[str | None] = field(default_factory=list)
    names_: list[str | None] = field(default_factory=list)
    forms: list[list[str]] = field(default_factory=list)
    years: list[int | None] = field(default_factory=list)
    places: list[list[str]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    whole: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    part_year: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    part: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0


def build_index(engine: Engine) -> PersonIndex:
    t0 = time.perf_counter()
    p, r = schema.person, schema.record
    ix = PersonIndex()
    pos: dict[str, int] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(p.c.id, p.c.id_number, p.c.name, p.c.birth_date, p.c.sex, p.c.township,
                                       p.c.village, p.c.latest_status, p.c.records)):
            pos[row.id] = len(ix.ids)
            ix.ids.append(row.id)
            ix.id_numbers.append(row.id_number)
            ix.names_.append(row.name)
            ix.forms.append([row.name] if row.name else [])
            ix.years.append(row.birth_date.year if row.birth_date else None)
            ix.places.append([x for x in (row.village, row.township) if x])
            ix.extra.append({"birth_date": row.birth_date.isoformat() if row.birth_date else None,
                             "sex": row.sex, "township": row.township, "village": row.village,
                             "latest_status": row.latest_status, "records": row.records})
            if row.id_number:
                ix.by_id[row.id_number] = len(ix.ids) - 1
        for pid, name, town, vil, addr in conn.execute(
            select(r.c.person_id, r.c.name, r.c.township, r.c.village, r.c.address)
            .where(r.c.person_id.is_not(None)).distinct()
        ):
            i = pos.get(pid)
            if i is None:
                continue
            if name and name not in ix.forms[i]:
                ix.forms[i].append(name)
            for pl in (vil, town, addr):
                if pl and pl not in ix.places[i]:
                    ix.places[i].append(pl)
    for i, forms in enumerate(ix.forms):
        y = ix.years[i]
        keys: set[str] = set()
        for f in forms:
            keys |= _keys_zh(f)
        for k in keys:
            if k.startswith("w:"):
                ix.whole[k].append(i)
            else:
                ix.part[k].append(i)
                if y is not None:
                    ix.part_year[(k, y)].append(i)
    ix.seconds = time.perf_counter() - t0
    return ix


@lru_cache(maxsize=200_000)
def _keys_zh(name: str) -> frozenset[str]:
    try:
        return names.keys_for_chinese(name)
    except Exception:
        return frozenset()


def match_row(ix: PersonIndex, row: dict[str, str], cols: dict[str, str], *, limit: int = 5) -> list[dict[str, Any]]:
    name = (row.get(cols.get("name", ""), "") or "").strip()
    year = birth_year_of(row.get(cols.get("birth", ""), ""))
    place = (row.get(cols.get("place", ""), "") or "").strip()
    id_raw = (row.get(cols.get("id", ""), "") or "").strip()
    idn = None
    if id_raw:
        pid_ = parse_id(id_raw)
        if pid_.valid and pid_.normalized:
            idn = pid_.normalized
    scored: dict[int, tuple[float, str]] = {}
    if idn and idn in ix.by_id:
        i = ix.by_id[idn]
        why = ["the ID number matches"]
        if name:
            ns = max((names.score(name, f) for f in ix.forms[i]), key=lambda m: m.score, default=None)
            if ns is not None:
                why.append(f"name {ns.score:.2f}: {ns.why}")
        scored[i] = (1.0, "; ".join(why))
    if name:
        try:
            qkeys = names.keys_for_query(name)
        except Exception:
            qkeys = frozenset()
        counts: dict[int, int] = defaultdict(int)
        for k in qkeys:
            if k.startswith("w:"):
                for i in ix.whole.get(k, ()):
                    counts[i] += 2
            elif year is not None:
                for y in (year - 1, year, year + 1):
                    for i in ix.part_year.get((k, y), ()):
                        counts[i] += 1
        if len(counts) < limit:
            # Few or no whole-name candidates: every person sharing a part of the name (any year),
            # most shared parts first (Han names, a name written with one part, no birth year).
            for k in qkeys:
                if not k.startswith("w:"):
                    for i in ix.part.get(k, ())[: MAX_CANDIDATES * 4]:
                        counts[i] += 1
        cands = sorted(counts, key=lambda i: -counts[i])[:MAX_CANDIDATES]
        for i in cands:
            if i in scored:
                continue
            best = None
            for f in ix.forms[i]:
                m = names.score(name, f)
                if best is None or m.score > best.score:
                    best = m
            if best is None or best.score <= 0:
                continue
            s = best.score
            why = [f"name {best.score:.2f}: {best.why}"]
            py = ix.years[i]
            if year is not None:
                if py is None:
                    s *= YEAR_UNKNOWN
                    why.append("birth year not known in the store")
                else:
                    d = abs(py - year)
                    s *= YEAR_WEIGHT.get(d, YEAR_FAR)
                    why.append(f"born {py}" + (" (same year)" if d == 0 else f" ({d} year(s) off)"))
            if place:
                pm = place_match(place, ix.places[i])
                if pm:
                    s = min(1.0, s + PLACE_BONUS)
                    why.append(f"place {place} ~ {pm}")
                elif any(_latin_in(t) for t in ix.places[i] if t):
                    s *= PLACE_OTHER
                    why.append(f"records name other places than {place}")
            if idn and ix.id_numbers[i] and ix.id_numbers[i] != idn:
                s *= ID_MISMATCH
                why.append("a different ID number")
            scored[i] = (round(s, 4), "; ".join(why))
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], ix.ids[kv[0]]))[:limit]
    # tied: the same (shown) score as the first match, and at least two of them: nothing in the row
    # tells them apart (same name and birth year); the order among them means nothing
    top = round(ranked[0][1][0], 3) if ranked else None
    n_top = sum(1 for _, (s, _w) in ranked if round(s, 3) == top)
    return [{"person_id": ix.ids[i], "id_number": ix.id_numbers[i], "name": ix.names_[i], "score": round(s, 3),
             "why": why, "tied_with_first": n_top > 1 and round(s, 3) == top, **ix.extra[i]} for i, (s, why) in ranked]


def read_list(text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    if text.startswith("\ufeff"):
        text = text[1:]
    rd = csv.DictReader(io.StringIO(text))
    rows = [dict(r) for r in rd]
    cols = map_columns(list(rd.fieldnames or []))
    return rows, cols


def run(engine: Engine, list_path: Path, *, limit: int = 5, index: PersonIndex | None = None) -> dict[str, Any]:
    raw = list_path.read_bytes()
    for enc in ("utf-8-sig", "gb18030", "utf-16"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", errors="replace")
    rows, cols = read_list(text)
    if "name" not in cols and "id" not in cols:
        raise ValueError(f"no name or ID column among {list(rows[0]) if rows else []}: "
                         f"name one of {', '.join(COLUMNS['name'][:4])} or {', '.join(COLUMNS['id'][:3])}")
    t0 = time.perf_counter()
    ix = index or build_index(engine)
    out = [{"input": r, "matches": match_row(ix, r, cols, limit=limit)} for r in rows]
    return {"columns": cols, "results": out, "index_seconds": round(ix.seconds, 2),
            "seconds": round(time.perf_counter() - t0, 2)}


def to_csv(results: list[dict[str, Any]]) -> str:
    """One line per (input row, match): the input's columns, then rank, score, person, why."""
    buf = io.StringIO()
    in_cols: list[str] = []
    for r in results:
        for k in r["input"]:
            if k not in in_cols:
                in_cols.append(k)
    w = csv.writer(buf)
    w.writerow([*in_cols, "rank", "score", "person_id", "id_number", "name", "birth_date", "township", "village",
                "why"])
    for r in results:
        base = [r["input"].get(k, "") for k in in_cols]
        if not r["matches"]:
            w.writerow([*base, "", "", "", "", "", "", "", "", "no match"])
        for n, m in enumerate(r["matches"], start=1):
            w.writerow([*base, n, m["score"], m["person_id"], m["id_number"] or "", m["name"] or "",
                        m.get("birth_date") or "", m.get("township") or "", m.get("village") or "", m["why"]])
    return buf.getvalue()
