"""What a store holds, independent of row ids, row order and engine: two stores built from the same
inputs (killed and resumed, several workers, SQLite or PostgreSQL) must give the same digest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Engine, select

from izdesh.store import schema


def _canon(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def content(engine: Engine) -> dict[str, list[str]]:
    """Sorted JSON lines per table, with surrogate keys replaced by what they stand for."""
    f, r, p, nk = schema.source_file, schema.record, schema.person, schema.name_key
    out: dict[str, list[str]] = {}

    def lines(rows: Any) -> list[str]:
        return sorted(
            json.dumps({k: _canon(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True, default=str)
            for row in rows
        )

    with engine.connect() as conn:
        out["source_file"] = lines(
            conn.execute(select(f.c.path, f.c.sha256, f.c.size, f.c.type, f.c.status, f.c.reason, f.c.records)).mappings()
        )
        rec_cols = [c for c in r.c if c.name not in ("id", "file_id", "table_id", "person_id")]
        out["record"] = lines(
            conn.execute(
                select(f.c.path, *rec_cols, p.c.id_number.label("person_id_number"))
                .join(f, f.c.id == r.c.file_id)
                .outerjoin(p, p.c.id == r.c.person_id)
            ).mappings()
        )
        out["person"] = lines(conn.execute(select(*[c for c in p.c if c.name != "id"])).mappings())
        out["name_key"] = lines(
            conn.execute(select(nk.c.key, nk.c.name, p.c.id_number).join(p, p.c.id == nk.c.person_id)).mappings()
        )
    return out


def digest(engine: Engine) -> str:
    h = hashlib.sha256()
    for table, rows in sorted(content(engine).items()):
        h.update(table.encode())
        for line in rows:
            h.update(line.encode())
    return h.hexdigest()
