"""One search over the store: ID numbers in any form (whole, 15-digit, partial with ? and *), and
names as sources write them. Results carry their reason (`why`).

Names in any script are matched through the name index (search/index.py): the query's phonetic
keys select candidate written names, `names.score` ranks and explains them, filters narrow the
persons. A birth year written in the query ("Memet Tursun 1985", "... 1980-1985") is a filter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from datetime import date

from sqlalchemy import Engine, Select, and_, exists, select

from izdesh.identity.idnumber import parse as parse_id
from izdesh.names import detect_script
from izdesh.names import score as name_score
from izdesh.names import keys_for_query
from izdesh.store import schema

MAX_QUERY = 200
_ID_CHARS = re.compile(r"^[0-9Xx?*\s'‘’\-]+$")


class QueryError(ValueError):
    """A query the engine cannot run; the message is for the person who typed it."""


@dataclass(slots=True)
class Filters:
    birth_year_from: int | None = None
    birth_year_to: int | None = None
    sex: str | None = None  # male, female
    township: str | None = None  # part of the township's name as written
    village: str | None = None
    status: str | None = None  # part of the latest status as written
    file: str | None = None  # part of a source file's path

    def explain(self) -> str:
        said = []
        if self.birth_year_from is not None:
            years = (
                str(self.birth_year_from)
                if self.birth_year_from == self.birth_year_to
                else f"{self.birth_year_from}-{self.birth_year_to}"
            )
            said.append(f"born {years}")
        for label in ("sex", "township", "village", "status", "file"):
            if getattr(self, label):
                said.append(f"{label} {getattr(self, label)}")
        return ("; " + ", ".join(said) + " (as asked)") if said else ""


_YEARS = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:\s*[-–~]\s*((?:19|20)\d\d))?(?!\d)")


def split_years(query: str, filters: Filters) -> tuple[str, Filters]:
    """A birth year or range written in a name query becomes a filter."""
    m = _YEARS.search(query)
    if not m or not any(ch.isalpha() for ch in query):
        return query, filters
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    if filters.birth_year_from is None:
        filters = Filters(**{**asdict(filters), "birth_year_from": min(lo, hi), "birth_year_to": max(lo, hi)})
    return (query[: m.start()] + query[m.end() :]).strip(" ,;"), filters


def _filtered(stmt: Select[Any], f: Filters) -> Select[Any]:
    p, r, sf = schema.person, schema.record, schema.source_file
    if f.birth_year_from is not None:
        hi = f.birth_year_to if f.birth_year_to is not None else f.birth_year_from
        stmt = stmt.where(p.c.birth_date >= date(f.birth_year_from, 1, 1), p.c.birth_date <= date(hi, 12, 31))
    if f.sex:
        stmt = stmt.where(p.c.sex == f.sex)
    if f.township:
        stmt = stmt.where(p.c.township.contains(f.township, autoescape=True))
    if f.village:
        stmt = stmt.where(p.c.village.contains(f.village, autoescape=True))
    if f.status:
        stmt = stmt.where(p.c.latest_status.contains(f.status, autoescape=True))
    if f.file:
        stmt = stmt.where(
            exists(
                select(r.c.id)
                .join(sf, sf.c.id == r.c.file_id)
                .where(and_(r.c.person_id == p.c.id, sf.c.path.contains(f.file, autoescape=True)))
            )
        )
    return stmt


@dataclass(slots=True)
class Result:
    person_id: str
    id_number: str | None
    name: str | None
    score: float
    why: str
    birth_date: str | None = None
    sex: str | None = None
    township: str | None = None
    village: str | None = None
    latest_status: str | None = None
    records: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def classify(query: str) -> tuple[str, str]:
    """('id', digits-and-wildcards) or ('name', text)."""
    q = unicodedata.normalize("NFKC", query).strip()
    if not q:
        raise QueryError("The query is empty: type a name or an ID number.")
    if len(q) > MAX_QUERY:
        raise QueryError(f"The query is too long ({len(q)} characters; at most {MAX_QUERY}).")
    if _ID_CHARS.match(q) and sum(ch.isdigit() for ch in q) >= 4:
        return "id", re.sub(r"[\s'‘’\-]", "", q).upper()
    if not any(ch.isalpha() for ch in q):
        raise QueryError("The query has neither a name nor enough digits of an ID number.")
    return "name", q


def search(engine: Engine, query: str, *, limit: int = 10, filters: Filters | None = None) -> list[Result]:
    filters = filters or Filters()
    kind, q = classify(query)
    limit = max(1, min(limit, 100))
    with engine.connect() as conn:
        if kind == "id":
            return _search_id(conn, q, limit, filters)
        q, filters = split_years(q, filters)
        if not any(ch.isalpha() for ch in q):
            raise QueryError("The query has neither a name nor enough digits of an ID number.")
        return _search_name(conn, q, limit, filters)


def _person_select():  # type: ignore[no-untyped-def]
    p = schema.person
    return select(
        p.c.id, p.c.id_number, p.c.name, p.c.birth_date, p.c.sex, p.c.township, p.c.village,
        p.c.latest_status, p.c.records,
    )  # fmt: skip


def _result(row: Any, score: float, why: str) -> Result:
    return Result(
        person_id=row.id,
        id_number=row.id_number,
        name=row.name,
        score=round(score, 3),
        why=why,
        birth_date=row.birth_date.isoformat() if row.birth_date else None,
        sex=row.sex,
        township=row.township,
        village=row.village,
        latest_status=row.latest_status,
        records=row.records,
    )


def _search_id(conn: Any, q: str, limit: int, filters: Filters) -> list[Result]:
    p = schema.person
    if "?" not in q and "*" not in q:
        parsed = parse_id(q)
        if parsed.kind in ("full", "id15") and parsed.normalized:
            row = conn.execute(_filtered(_person_select().where(p.c.id_number == parsed.normalized), filters)).first()
            if row is not None:
                how = "the 15-digit form upgraded to 18" if parsed.kind == "id15" else "the whole ID number"
                return [_result(row, 1.0, f"{how} matches")]
            if parsed.kind == "full":
                # No valid record: a number with one slip might still be written in the records.
                return []
        if len(q) < 18:
            q = q + "*"  # a leading part of a number
    like = q.replace("?", "_").replace("*", "%")
    known = sum(ch.isdigit() or ch == "X" for ch in q)
    if known < 6:
        raise QueryError("A partial ID number needs at least 6 known digits.")
    stmt = _filtered(_person_select().where(p.c.id_number.like(like)), filters)
    rows = conn.execute(stmt.order_by(p.c.id_number).limit(limit))
    return [_result(r, known / 18, f"ID number matches the pattern {q}") for r in rows]


MIN_NAME_SCORE = 0.62  # below this a name is not offered as a match
MAX_CANDIDATE_NAMES = 3000  # distinct written names scored per query, at most
MAX_PART_NAMES = 800  # ...of them found through one part of the name only


def _candidate_names(conn: Any, keys: frozenset[str]) -> list[str]:
    nk = schema.name_key
    whole = [k for k in keys if k.startswith("w:")]
    names: list[str] = []
    if whole:
        names = list(conn.execute(select(nk.c.name).where(nk.c.key.in_(whole)).distinct().limit(MAX_CANDIDATE_NAMES)).scalars())
    if len(names) < 20:  # a single name, or a whole name spelled apart: widen to the parts
        parts = [k for k in keys if not k.startswith("w:")]
        if parts:
            more = conn.execute(
                select(nk.c.name).where(nk.c.key.in_(parts)).distinct().limit(MAX_PART_NAMES)
            ).scalars()
            names = list(dict.fromkeys([*names, *more]))
    return names


def _search_name(conn: Any, q: str, limit: int, filters: Filters) -> list[Result]:
    script = detect_script(q)
    if script == "unknown":
        raise QueryError("The query is in a script Izdesh cannot read: use Chinese characters, "
                         "Uyghur (Arabic or Latin script), Cyrillic or Latin letters.")
    keys = keys_for_query(q)
    if not keys:
        raise QueryError("No name could be read from the query.")
    scored: dict[str, Any] = {}
    for name in _candidate_names(conn, keys):
        m = name_score(q, name)
        if m.score >= MIN_NAME_SCORE:
            scored[name] = m
    if not scored:
        return []
    best = sorted(scored, key=lambda n: -scored[n].score)[: max(limit * 4, 40)]
    nk, p = schema.name_key, schema.person
    stmt = (
        _person_select()
        .add_columns(nk.c.name.label("matched_name"))
        .join(nk, nk.c.person_id == p.c.id)
        .where(nk.c.name.in_(best))
        .distinct()
    )
    stmt = _filtered(stmt, filters)
    best_by_person: dict[str, tuple[float, Any, Any]] = {}
    for row in conn.execute(stmt.limit(limit * 50)):
        m = scored[row.matched_name]
        have = best_by_person.get(row.id)
        if have is None or m.score > have[0]:
            best_by_person[row.id] = (m.score, m, row)
    ranked = sorted(best_by_person.values(), key=lambda t: (-t[0], t[2].id_number or "", t[2].id))[:limit]
    out = []
    for s, m, row in ranked:
        why = m.why if row.matched_name == row.name else f"{m.why} (written {row.matched_name})"
        out.append(_result(row, s, why + filters.explain()))
    return out
