"""The name index: every Chinese-character name a person is written with, under its cross-script
phonetic keys (izdesh.names), so a query in any script finds candidates by key intersection."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select

from izdesh.names import keys_for_chinese
from izdesh.store import schema

BATCH = 50_000


def clear_name_index(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(schema.name_key))


def rebuild_name_index(engine: Engine) -> int:
    """Index the names of all persons; returns the number of keys written."""
    r, p, nk = schema.record, schema.person, schema.name_key
    written = 0
    with engine.begin() as conn:
        conn.execute(delete(nk))
        names = conn.execute(
            select(r.c.person_id, r.c.name)
            .where(r.c.person_id.is_not(None), r.c.name.is_not(None))
            .union(select(p.c.id, p.c.name).where(p.c.name.is_not(None)))
        ).all()
        batch: list[dict[str, str]] = []
        for person_id, name in names:
            for key in keys_for_chinese(name):
                batch.append({"key": key, "person_id": person_id, "name": name})
            if len(batch) >= BATCH:
                conn.execute(nk.insert(), batch)
                written += len(batch)
                batch.clear()
        if batch:
            conn.execute(nk.insert(), batch)
            written += len(batch)
    return written
