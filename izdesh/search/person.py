"""One person with every record, its source, relatives and photos (CLI.md `izdesh person`), the
statuses over time with their sources (`timeline`), the latest status and the conflicts between
sources, and the reviewable "possibly the same" links.

A person page is six indexed queries on one connection (seven when asked by ID number), whatever
the number of records, relatives or photos: no query per row. The statements are built once
(`_statements`): building a SELECT of the record table and its aliases cost more CPU than running
it on SQLite, and a reused statement keeps its compiled form in SQLAlchemy's cache."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Select, String, bindparam, select

from izdesh.identity.idnumber import parse as parse_id
from izdesh.identity.summary import summarise
from izdesh.identity.terms import terms
from izdesh.store import schema


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


@cache
def _statements() -> dict[str, Select[Any]]:
    """Every query of a person page, with the person's id as the bound parameter `pid`. Each runs on
    an index: person's primary key / unique id_number, record.person_id, record_link.person_id,
    photo.person_id, link.src, link.dst (izdesh/store/schema.py)."""
    p, r, f, ph, ln, rl = schema.person, schema.record, schema.source_file, schema.photo, schema.link, schema.record_link
    pid = bindparam("pid", type_=String())
    src_rec, src_file = r.alias("src_rec"), f.alias("src_file")
    return {
        "person": select(p).where(p.c.id == pid),
        "person_by_number": select(p).where(p.c.id_number == bindparam("number", type_=String())),
        "records": (
            select(r, f.c.path, f.c.sha256, f.c.type.label("file_type"))
            .join(f, f.c.id == r.c.file_id)
            .where(r.c.person_id == pid)
            .order_by(r.c.event_date, f.c.path, r.c.id)
        ),
        "record_links": select(rl.c.record_id, rl.c.kind, rl.c.method, rl.c.score, rl.c.why).where(
            rl.c.person_id == pid, rl.c.kind.in_(("same", "own"))
        ),
        "photos": (
            select(ph.c.id, f.c.path, ph.c.taken_at, ph.c.exif)
            .join(f, f.c.id == ph.c.file_id)
            .where(ph.c.person_id == pid)
            .order_by(ph.c.taken_at)
        ),
        "links_out": (
            select(ln.c.dst, ln.c.relation, ln.c.kind, ln.c.why, ln.c.score, ln.c.record_id, p.c.id_number, p.c.name,
                   src_file.c.path.label("source_path"))
            .join(p, p.c.id == ln.c.dst)
            .outerjoin(src_rec, src_rec.c.id == ln.c.record_id)
            .outerjoin(src_file, src_file.c.id == src_rec.c.file_id)
            .where(ln.c.src == pid)
            .order_by(ln.c.score.desc(), ln.c.id)
        ),
        # Reviewable candidates pointing at this person from persons formed without a usable ID.
        "links_in": (
            select(ln.c.src, ln.c.why, ln.c.score, ln.c.record_id, p.c.id_number, p.c.name)
            .join(p, p.c.id == ln.c.src)
            .where(ln.c.dst == pid, ln.c.kind == "possibly_same")
            .order_by(ln.c.score.desc())
        ),
    }


def _person_row(conn: Connection, ref: str) -> Any:
    """The person's row, by opaque person_id or by ID number in any written form (an opaque id,
    12 base32 characters, never looks like an ID number of 15 or 18 digits)."""
    q = _statements()
    row = conn.execute(q["person"], {"pid": ref.strip().lower()}).mappings().first()
    if row is None:
        parsed = parse_id(ref)
        if parsed.kind in ("full", "id15"):
            row = conn.execute(q["person_by_number"], {"number": parsed.normalized}).mappings().first()
    return row


def find_person_id(engine: Engine, ref: str) -> str | None:
    """A person by opaque person_id or by ID number in any written form."""
    with engine.connect() as conn:
        row = _person_row(conn, ref)
    return row["id"] if row is not None else None


def get_person(engine: Engine, ref: str) -> dict[str, Any] | None:
    q = _statements()
    with engine.connect() as conn:
        person = _person_row(conn, ref)
        if person is None:
            return None
        pid = person["id"]
        arg = {"pid": pid}
        recs = conn.execute(q["records"], arg).mappings().all()
        why_of = {row.record_id: row for row in conn.execute(q["record_links"], arg)}
        photo_rows = conn.execute(q["photos"], arg).all()
        links_out = conn.execute(q["links_out"], arg).all()
        links_in = conn.execute(q["links_in"], arg).all()
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
    summary = summarise({**rec, "path": rec["file"]["path"], "locator": rec.get("locator")} for rec in records)
    names = Counter(rec["name"] for rec in records if rec.get("name"))
    photos = [{"photo_id": row.id, "path": row.path, "taken_at": row.taken_at, "exif": row.exif} for row in photo_rows]
    relatives, co_listed, possibly_same = [], [], []
    for row in links_out:
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
    for row in links_in:
        possibly_same.append(
            {"person_id": row.src, "id_number": row.id_number, "name": row.name, "relation": None,
             "kind": "possibly_same", "why": row.why, "score": row.score, "record_id": row.record_id}
        )  # fmt: skip
    latest = summary["latest_status"] or person["latest_status"]
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
        "latest_status": latest,
        "latest_status_label": terms().label("status", latest),
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
