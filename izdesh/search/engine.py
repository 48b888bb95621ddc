"""One search over the store: ID numbers in any form (whole, 15-digit, partial with ? and *), and
names as sources write them. Results carry their reason (`why`).

The name side here matches the Chinese characters as written (any dot variant); cross-script name
matching is the `names` package's job and plugs in at `_name_candidates`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine, func, or_, select

from izdesh.identity.idnumber import parse as parse_id
from izdesh.store import schema

MAX_QUERY = 200
_ID_CHARS = re.compile(r"^[0-9Xx?*\s'‘’\-]+$")
_NAME_DOTS = re.compile(r"[·・•．‧.\s]")


class QueryError(ValueError):
    """A query the engine cannot run; the message is for the person who typed it."""


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


def search(engine: Engine, query: str, *, limit: int = 10) -> list[Result]:
    kind, q = classify(query)
    limit = max(1, min(limit, 100))
    with engine.connect() as conn:
        if kind == "id":
            return _search_id(conn, q, limit)
        return _search_name(conn, q, limit)


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


def _search_id(conn: Any, q: str, limit: int) -> list[Result]:
    p = schema.person
    if "?" not in q and "*" not in q:
        parsed = parse_id(q)
        if parsed.kind in ("full", "id15") and parsed.normalized:
            row = conn.execute(_person_select().where(p.c.id_number == parsed.normalized)).first()
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
    rows = conn.execute(_person_select().where(p.c.id_number.like(like)).order_by(p.c.id_number).limit(limit))
    return [_result(r, known / 18, f"ID number matches the pattern {q}") for r in rows]


def fold_name(name: str) -> str:
    return _NAME_DOTS.sub("", unicodedata.normalize("NFKC", name))


def _search_name(conn: Any, q: str, limit: int) -> list[Result]:
    p = schema.person
    folded = fold_name(q)
    if not any("\u4e00" <= ch <= "\u9fff" for ch in folded):
        raise QueryError(
            "Names in Latin, Arabic or Cyrillic script are not searchable yet: "
            "search by ID number or by the name in Chinese characters."
        )
    # SQL: drop the separators the sources use between given and father's name.
    col = p.c.name
    for dot in ("·", "・", "•", "．", "‧", ".", " "):
        col = func.replace(col, dot, "")
    exact = conn.execute(_person_select().where(col == folded).limit(limit)).all()
    out = [_result(r, 1.0, f"the name in Chinese characters matches ({r.name})") for r in exact]
    if len(out) < limit:
        seen = {r.person_id for r in out}
        rows = conn.execute(
            _person_select().where(or_(col.like(f"{folded}%"), col.like(f"%{folded}"))).limit(limit * 2)
        )
        for r in rows:
            if r.id not in seen and len(out) < limit:
                out.append(_result(r, 0.6, f"part of the name matches ({r.name})"))
    return out
