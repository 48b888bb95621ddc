"""One search over the store: ID numbers in any form (whole, 15-digit, partial with ? and *), and
names as sources write them. Results carry their reason (`why`).

Names in any script are matched through the name index (search/index.py): the query's phonetic
keys select candidate written names, `names.score` ranks and explains them, filters narrow the
persons. A birth year written in the query ("Memet Tursun 1985", "... 1980-1985") is a filter;
a year or a short range reads the year-qualified whole-name keys, so only that year's namesakes
are scored. Single name parts are read only when the whole name finds nothing good. A township the
family names is a hint, not a filter: persons the records place elsewhere rank as if their name
scored HINT_MARGIN less. Equal scores are ordered by that township, the closer spelling
(`names.closeness`), then persons with an ID number first.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, Integer, Select, and_, exists, literal, select, true

from izdesh.identity.idnumber import parse as parse_id
from izdesh.names import closeness, detect_script, keys_for_query
from izdesh.names import score as name_score
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
    # Not a filter: the township's name as the store writes it (search.township resolves what a
    # family types). Persons the records place elsewhere rank lower (_rank_key); persons whose
    # township the records do not give are not moved; nobody is left out.
    township_hint: str | None = None

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
        if self.township_hint:
            said.append(f"from {self.township_hint} first")
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
    stmt = _person_select().where(p.c.id_number.like(like))
    # LIKE alone walks the whole ID index on both engines (case-insensitive on SQLite, a non-C
    # collation on PostgreSQL): the known leading digits bound it to a range of the index.
    lead = re.match(r"[0-9]*", q).group(0)  # type: ignore[union-attr]
    if lead:
        stmt = stmt.where(p.c.id_number >= lead)
        if upper := _next_prefix(lead):
            stmt = stmt.where(p.c.id_number < upper)
    rows = conn.execute(_filtered(stmt, filters).order_by(p.c.id_number).limit(limit))
    return [_result(r, known / 18, f"ID number matches the pattern {q}") for r in rows]


def _next_prefix(digits: str) -> str | None:
    """The least digit string above every string that starts with `digits` (653129 -> 65313), in
    digits only, so that any collation orders it as plain ASCII does; None after all nines."""
    head = digits.rstrip("9")
    return head[:-1] + str(int(head[-1]) + 1) if head else None


MIN_NAME_SCORE = 0.62  # below this a name is not offered as a match
MAX_CANDIDATE_NAMES = 3000  # distinct written names scored per query, at most
MAX_PART_NAMES = 800  # ...of them found through one part of the name only
MAX_YEAR_KEYS = 11  # a year range up to this long reads the year-qualified keys (y:...)
WIDEN_BELOW = 0.85  # whole-name candidates all scoring under this: look at single parts too


def _cap(n: int) -> Any:
    """A LIMIT written into the statement, not bound: psycopg prepares a statement run five times
    and PostgreSQL may then plan it once for any values (a generic plan), where an unknown LIMIT is
    taken for a tenth of the rows: the name search's person join then walked the whole person
    index in order (40-140 ms instead of 2)."""
    return literal(n, Integer, literal_execute=True)


def _query_years(f: Filters) -> list[int]:
    if f.birth_year_from is None:
        return []
    hi = f.birth_year_to if f.birth_year_to is not None else f.birth_year_from
    return list(range(f.birth_year_from, hi + 1)) if 0 <= hi - f.birth_year_from < MAX_YEAR_KEYS else []


def _candidates(conn: Any, keys: frozenset[str], years: list[int]) -> tuple[set[str], dict[str, set[str]] | None]:
    """Candidate written names through the whole-name keys, and, when the query carries a short
    year range, the persons (by name) found under the year-qualified keys, already of that year."""
    nk = schema.name_key
    whole = [k for k in keys if k.startswith("w:")]
    if not whole:
        return set(), None
    if years:
        ykeys = [f"y:{y}:{k[2:]}" for y in years for k in whole]
        by_name: dict[str, set[str]] = {}
        for pid, name in conn.execute(select(nk.c.person_id, nk.c.name).where(nk.c.key.in_(ykeys))):
            by_name.setdefault(name, set()).add(pid)
        return set(by_name), by_name
    stmt = select(nk.c.name).where(nk.c.key.in_(whole)).distinct().limit(_cap(MAX_CANDIDATE_NAMES))
    return set(conn.execute(stmt).scalars()), None


def _part_names(conn: Any, keys: frozenset[str]) -> set[str]:
    """A single name, or a whole name its keys did not find: names sharing one part. A common part
    is written under tens of thousands of names (100,000 rows at --full): the first MAX_PART_NAMES
    in (key, name) order are taken, one key at a time, each read in the order of the (key, name)
    index and stopped at the cap. So both engines read a few thousand index entries and take the
    same names (where the database orders text by code point, as C.UTF-8 does); one IN-list
    statement with DISTINCT and LIMIT let PostgreSQL walk the whole name index in name order,
    filtering on the key (160 ms at mid scale)."""
    nk = schema.name_key
    names: dict[str, None] = {}  # ordered: the first names found are kept
    for key in sorted(k for k in keys if k.startswith("p:")):
        stmt = select(nk.c.name).where(nk.c.key == key).distinct().order_by(nk.c.name).limit(_cap(MAX_PART_NAMES))
        names.update(dict.fromkeys(conn.execute(stmt).scalars()))
        if len(names) >= MAX_PART_NAMES:
            break
    return set(list(names)[:MAX_PART_NAMES])


def _holders(dialect: str, names: list[str], f: Filters, cap: int) -> Select[Any]:
    """Persons written with any of `names` (the filters applied), each with the name matched; at
    most `cap` (person, name) rows."""
    p, nk = schema.person, schema.name_key
    if dialect != "postgresql":
        stmt = (
            _person_select()
            .add_columns(nk.c.name.label("matched_name"))
            .join(nk, nk.c.person_id == p.c.id)
            .where(nk.c.name.in_(names))
            .distinct()
        )
        return _filtered(stmt, f).limit(_cap(cap))
    # PostgreSQL: the distinct (person, name) pairs first (a name_key row per key: ~4 per pair), then
    # each pair's person by primary key. As one DISTINCT join under LIMIT, the planner expected to
    # stop early and merged the pairs with the whole person index in id order (690,000 rows,
    # 60-290 ms at --full) even though the cap is rarely reached (272 rows for 1,099 key rows).
    # OFFSET 0 keeps the lateral subquery from being pulled up into the join, so a person is always
    # read by its key, once per pair: 4-12 ms, and the cap still stops the reading. (name_key is
    # read without parallel workers: migration e7c95ed7351c.)
    pairs = select(nk.c.person_id, nk.c.name).where(nk.c.name.in_(names)).distinct().subquery("m")
    person = _filtered(_person_select().where(p.c.id == pairs.c.person_id), f).offset(_cap(0)).lateral("p")
    return (
        select(person, pairs.c.name.label("matched_name"))
        .select_from(pairs)
        .join(person, true())
        .limit(_cap(cap))
    )


def _score_names(q: str, names: set[str], into: dict[str, Any]) -> None:
    for name in names - into.keys():
        m = name_score(q, name)
        if m.score >= MIN_NAME_SCORE:
            into[name] = m


HINT_MARGIN = 0.06  # a township hint outweighs a name-score difference up to this


def _rank_key(score: float, close: float, row: Any, f: Filters) -> tuple[float, int, float, bool, str, str]:
    # A township hint (the family's idea of the place, maybe wrong) moves a person the records
    # place in another township down by HINT_MARGIN: past namesakes written with a variant of the
    # same name (帕提玛/帕提曼 differ by 0.05 in name score), not past a better name. A person whose
    # township the records do not give is not moved: silence is no evidence. Equal scores: the
    # hinted township first; then the closer spelling (names.closeness); then a person known by an
    # ID number (a confirmed identity with its birth date) before one known only from records
    # without it; then a stable order.
    town = row.township or ""
    place = 0 if not f.township_hint or f.township_hint in town else (1 if not town else 2)
    adjusted = score - HINT_MARGIN if place == 2 else score
    return (-round(adjusted, 4), place, -round(close, 4), row.id_number is None, row.id_number or "", row.id)


def _search_name(conn: Any, q: str, limit: int, filters: Filters) -> list[Result]:
    script = detect_script(q)
    if script == "unknown":
        raise QueryError("The query is in a script Izdesh cannot read: use Chinese characters, "
                         "Uyghur (Arabic or Latin script), Cyrillic or Latin letters.")
    keys = keys_for_query(q)
    if not keys:
        raise QueryError("No name could be read from the query.")
    names, by_name = _candidates(conn, keys, _query_years(filters))
    scored: dict[str, Any] = {}
    _score_names(q, names, scored)
    if max((m.score for m in scored.values()), default=0.0) < WIDEN_BELOW:  # incl. a single name
        _score_names(q, _part_names(conn, keys), scored)
        by_name = None  # part candidates are not year-qualified: read persons by name below
    if not scored:
        return []
    p = schema.person
    if by_name is not None:
        # Persons already known (that year's namesakes): fetch them, best names first.
        best = sorted(scored, key=lambda n: (-scored[n].score, n))
        pids = [pid for n in best for pid in sorted(by_name[n])][: limit * 50]
        owner = {pid: n for n in reversed(best) for pid in by_name[n]}  # best name per person
        stmt = _filtered(_person_select().where(p.c.id.in_(pids)), filters)
        rows = [(scored[owner[r.id]], r, owner[r.id]) for r in conn.execute(stmt)]
    else:
        # Ties by name: the same names make the cut on every run and both engines.
        best = sorted(scored, key=lambda n: (-scored[n].score, n))[: max(limit * 4, 40)]
        found = conn.execute(_holders(conn.dialect.name, best, filters, limit * 50))
        rows = [(scored[r.matched_name], r, r.matched_name) for r in found]
    best_by_person: dict[str, tuple[float, Any, Any, str]] = {}
    for m, row, matched in rows:
        have = best_by_person.get(row.id)
        # A person written with two names that score the same: the smaller name (code point
        # order), as SQLite's rows give it first (it reads the IN list in sorted order); PostgreSQL
        # yields them in no set order, and the name kept decides closeness and `why`.
        if have is None or m.score > have[0] or (m.score == have[0] and matched < have[3]):
            best_by_person[row.id] = (m.score, m, row, matched)
    ranked = sorted(
        best_by_person.values(), key=lambda t: _rank_key(t[0], closeness(q, t[3]), t[2], filters)
    )[:limit]
    out = []
    for s, m, row, matched in ranked:
        why = m.why if matched == row.name else f"{m.why} (written {matched})"
        out.append(_result(row, s, why + filters.explain()))
    return out
