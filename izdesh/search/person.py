"""One person with every record, its source, relatives and photos (CLI.md `izdesh person`), the
statuses over time with their sources (`timeline`), the latest status and the conflicts between
sources, and the reviewable "possibly the same" links."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, or_, select

from izdesh.identity.idnumber import parse as parse_id
from izdesh.identity.summary import summarise
from izdesh.identity.terms import terms
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
        rl = schema.record_link
        why_of = {
            row.record_id: row
            for row in conn.execute(
                select(rl.c.record_id, rl.c.kind, rl.c.method, rl.c.score, rl.c.why).where(
                    rl.c.person_id == pid, rl.c.kind.in_(("same", "own"))
                )
            )
        }
        records = []
        for rec in recs:
            d = {k: _iso(v) for k, v in rec.items() if v is not None}
            d["record_id"] = d.pop("id")
            d["file"] = {"path": rec["path"], "sha256": rec["sha256"], "type": rec["file_type"]}
            for k in ("path", "sha256", "file_type", "file_id", "person_id"):
                d.pop(k, None)
            link = why_of.get(rec["id"])
            if link is not None:
                d["link"] = {"kind": link.kind, "method": link.method, "score": link.score, "why": link.why}
            elif rec["id_valid"] == 1 and rec["id_number"]:
                d["link"] = {"kind": "same", "method": "id", "score": 1.0, "why": "The same valid ID number."}
            records.append(d)
        summary = summarise(
            {**rec, "path": rec["file"]["path"], "locator": rec.get("locator")} for rec in records
        )
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
        T = terms()
        relatives, co_listed, possibly_same = [], [], []
        src_rec = r.alias("src_rec")
        src_file = f.alias("src_file")
        for row in conn.execute(
            select(ln.c.dst, ln.c.relation, ln.c.kind, ln.c.why, ln.c.score, ln.c.record_id, p.c.id_number, p.c.name,
                   src_file.c.path.label("source_path"))
            .join(p, p.c.id == ln.c.dst)
            .outerjoin(src_rec, src_rec.c.id == ln.c.record_id)
            .outerjoin(src_file, src_file.c.id == src_rec.c.file_id)
            .where(ln.c.src == pid)
            .order_by(ln.c.score.desc(), ln.c.id)
        ):  # fmt: skip
            item = {
                "person_id": row.dst,
                "id_number": row.id_number,
                "name": row.name,
                "relation": row.relation,
                "kind": row.kind,
                "why": row.why,
                "score": row.score,
                "record_id": row.record_id,
                "source": row.source_path,
            }
            if row.kind == "relative":
                relatives.append(item)
            elif row.kind == "co_listed":
                co_listed.append(item)
            else:
                possibly_same.append(item)
        # Reviewable candidates pointing at this person from persons formed without a usable ID.
        for row in conn.execute(
            select(ln.c.src, ln.c.why, ln.c.score, ln.c.record_id, p.c.id_number, p.c.name)
            .join(p, p.c.id == ln.c.src)
            .where(ln.c.dst == pid, ln.c.kind == "possibly_same")
            .order_by(ln.c.score.desc())
        ):
            possibly_same.append(
                {"person_id": row.src, "id_number": row.id_number, "name": row.name, "relation": None,
                 "kind": "possibly_same", "why": row.why, "score": row.score, "record_id": row.record_id}
            )  # fmt: skip
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
        "latest_status": summary["latest_status"] or person["latest_status"],
        "latest_status_label": T.label("status", summary["latest_status"] or person["latest_status"]),
        "latest_status_detail": summary["latest"],
        "timeline": summary["timeline"],
        "conflicts": summary["conflicts"],
        "basis": person.get("basis"),
        "records": records,
        "relatives": relatives,
        "co_listed": co_listed,
        "possibly_same": possibly_same,
        "photos": photos,
    }
