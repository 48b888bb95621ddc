"""The name index: every Chinese-character name a person is written with, under its cross-script
phonetic keys (izdesh.names), so a query in any script finds candidates by key intersection.
Whole-name keys are also written with the person's birth year (y:<year>:...), so that a query
that carries a year reads only that year's namesakes instead of every holder of the name."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Engine, delete, select

from izdesh.names import keys_for_chinese
from izdesh.names.keys import year_keys
from izdesh.store import schema
from izdesh.store.bulk import insert_rows


def clear_name_index(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(schema.name_key))


def rebuild_name_index(engine: Engine) -> int:
    """Index the names of all persons; returns the number of keys written."""
    r, p, nk = schema.record, schema.person, schema.name_key
    with engine.begin() as conn:
        conn.execute(delete(nk))
        names = conn.execute(
            select(r.c.person_id, r.c.name)
            .where(r.c.person_id.is_not(None), r.c.name.is_not(None))
            .union(select(p.c.id, p.c.name).where(p.c.name.is_not(None)))
        ).all()
        years = {
            pid: born.year
            for pid, born in conn.execute(select(p.c.id, p.c.birth_date).where(p.c.birth_date.is_not(None)))
        }

        def rows() -> Iterator[tuple[str, int, str]]:
            for person_id, name in names:
                keys = keys_for_chinese(name)
                year = years.get(person_id)
                for key in (*keys, *(year_keys(keys, year) if year else ())):
                    yield key, person_id, name

        written = insert_rows(conn, nk, ("key", "person_id", "name"), rows())
    return written
