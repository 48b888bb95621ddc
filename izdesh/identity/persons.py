"""Persons from records: one valid ID number, one person (DESIGN.md: merge only on strong evidence).

Rebuilt from the records after each ingest, so the result depends on the records alone, not on the
order files arrived in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, delete, select, text, update

from izdesh.identity.idnumber import parse as parse_id
from izdesh.store import schema
from izdesh.store.db import get_meta


def person_key(secret: str, id_number: str) -> str:
    """Opaque, stable person id: person pages must not put an ID number in a URL."""
    digest = hmac.new(secret.encode(), id_number.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:12].lower()


def _mode(values: Iterable[Any]) -> Any:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def _latest_status(recs: list[dict[str, Any]]) -> str | None:
    dated = [(r["event_date"] or date.min, i, r["status"]) for i, r in enumerate(recs) if r["status"]]
    return max(dated)[2] if dated else None


def rebuild_persons(engine: Engine, *, progress: bool = False) -> int:
    r = schema.record
    with engine.begin() as conn:
        secret = get_meta(conn, "person_key")
        assert secret is not None, "store without person_key (not created by open_engine)"
        conn.execute(update(schema.photo).values(person_id=None))
        conn.execute(update(r).where(r.c.person_id.is_not(None)).values(person_id=None))
        conn.execute(delete(schema.link))
        conn.execute(delete(schema.person))
        rows = conn.execute(
            select(
                r.c.id_number, r.c.name, r.c.township, r.c.village, r.c.status, r.c.event_date
            )
            .where(and_(r.c.id_number.is_not(None), r.c.id_valid == 1))
            .order_by(r.c.id_number)
        ).mappings()
        batch: list[dict[str, Any]] = []
        count = 0
        group: list[dict[str, Any]] = []
        current: str | None = None

        def flush() -> None:
            nonlocal count
            if current is None:
                return
            p = parse_id(current)
            batch.append(
                {
                    "id": person_key(secret, current),
                    "id_number": current,
                    "name": _mode(g["name"] for g in group),
                    "sex": p.sex,
                    "birth_date": p.birth_date,
                    "region_code": p.region_code,
                    "township": _mode(g["township"] for g in group),
                    "village": _mode(g["village"] for g in group),
                    "latest_status": _latest_status(group),
                    "records": len(group),
                }
            )
            count += 1

        for row in rows:
            if row["id_number"] != current:
                flush()
                group, current = [], row["id_number"]
                if len(batch) >= 20_000:
                    conn.execute(schema.person.insert(), batch)
                    batch.clear()
            group.append(dict(row))
        flush()
        if batch:
            conn.execute(schema.person.insert(), batch)
        conn.execute(
            text(
                "UPDATE record SET person_id = (SELECT p.id FROM person p WHERE p.id_number = record.id_number)"
                " WHERE id_number IS NOT NULL AND id_valid = 1"
            )
        )
        conn.execute(
            text(
                "UPDATE photo SET person_id = (SELECT person_id FROM record WHERE record.id = photo.record_id)"
                " WHERE record_id IS NOT NULL"
            )
        )
    return count
