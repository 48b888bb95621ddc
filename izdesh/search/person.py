"""One person with every record, its source, relatives and photos (CLI.md `izdesh person`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, or_, select

from izdesh.identity.idnumber import parse as parse_id
from izdesh.store import schema


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def find_person_id(engine: Engine, ref: str) -> str | None:
    """A person by opaque person_id or by ID number in any written form."""
    p = schema.person
    parsed = parse_id(ref)
    number = parsed.normalized if parsed.kind in ("full", "id15") else None
    with engine.connect() as conn:
        cond = p.c.id == ref.strip().lower()
        if number:
            cond = or_(cond, p.c.id_number == number)
        return conn.execute(select(p.c.id).where(cond)).scalar()


def get_person(engine: Engine, ref: str) -> dict[str, Any] | None:
    pid = find_person_id(engine, ref)
    if pid is None:
        return None
    p, r, f, ph, ln = schema.person, schema.record, schema.source_file, schema.photo, schema.link
    with engine.connect() as conn:
        person = conn.execute(select(p).where(p.c.id == pid)).mappings().one()
        recs = conn.execute(
            select(r, f.c.path, f.c.sha256, f.c.type.label("file_type"))
            .join(f, f.c.id == r.c.file_id)
            .where(r.c.person_id == pid)
            .order_by(r.c.event_date, f.c.path, r.c.id)
        ).mappings()
        records = []
        for rec in recs:
            d = {k: _iso(v) for k, v in rec.items() if v is not None}
            d["record_id"] = d.pop("id")
            d["file"] = {"path": rec["path"], "sha256": rec["sha256"], "type": rec["file_type"]}
            for k in ("path", "sha256", "file_type", "file_id", "person_id"):
                d.pop(k, None)
            records.append(d)
        names = Counter(rec["name"] for rec in records if rec.get("name"))
        photos = [
            {"photo_id": row.id, "path": row.path, "taken_at": row.taken_at, "exif": row.exif}
            for row in conn.execute(
                select(ph.c.id, f.c.path, ph.c.taken_at, ph.c.exif)
                .join(f, f.c.id == ph.c.file_id)
                .where(ph.c.person_id == pid)
                .order_by(ph.c.taken_at)
            )
        ]
        relatives = [
            {
                "person_id": row.dst,
                "id_number": row.id_number,
                "name": row.name,
                "relation": row.relation,
                "kind": row.kind,
                "why": row.why,
                "score": row.score,
            }
            for row in conn.execute(
                select(ln.c.dst, ln.c.relation, ln.c.kind, ln.c.why, ln.c.score, p.c.id_number, p.c.name)
                .join(p, p.c.id == ln.c.dst)
                .where(ln.c.src == pid)
            )
        ]
    return {
        "person_id": pid,
        "id_number": person["id_number"],
        "name": person["name"],
        "names": [n for n, _ in names.most_common()],
        "sex": person["sex"],
        "birth_date": _iso(person["birth_date"]),
        "region_code": person["region_code"],
        "township": person["township"],
        "village": person["village"],
        "latest_status": person["latest_status"],
        "records": records,
        "relatives": relatives,
        "photos": photos,
    }
