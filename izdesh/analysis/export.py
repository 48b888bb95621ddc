"""Exports of the store: CSV, JSON Lines, and FollowTheMoney entities.

csv    ``--out X.csv`` writes persons to X.csv and beside it X.records.csv, X.links.csv, X.files.csv
jsonl  one object a line, ``{"type": "file"|"person"|"record"|"link", ...}`` (a file's detected type
       is ``file_type``)
ftm    FollowTheMoney entities, one a line: ``Document`` per source file (sha256 in notes: FtM's
       contentHash holds a SHA-1),
       ``Person`` (name forms, idNumber, birthDate, gender, ethnicity, address, proof = the
       documents that mention them), ``Family`` per relative link, ``Documentation`` per
       (document, person) mention. Entity ids are stable: sha1 of a namespaced key.

Every export streams with bounded memory: persons go in chunks of ``PERSON_CHUNK`` (by id), each
with its records' facts (name forms, files, ethnicity) read for that id range only; records and
links stream from the driver's cursor; only the files' entity ids (one per source file) stay in memory.
Relatives come from the ``link`` table; when it is empty they are read from records that state a
relation to another person's ID number (``relation`` + ``relative_of``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Text, func, select, type_coerce

try:  # a dependency of followthemoney; several times faster than json for the record columns
    import orjson as _orjson
except ImportError:  # pragma: no cover
    _orjson = None

from izdesh.analysis import terms
from izdesh.store import schema

NS = "izdesh"
RELATION_EN = {
    "父亲": "father", "母亲": "mother", "父": "father", "母": "mother", "配偶": "spouse", "妻子": "wife",
    "丈夫": "husband", "妻": "wife", "夫": "husband", "长子": "son", "次子": "son", "三子": "son", "儿子": "son",
    "子": "son", "长女": "daughter", "次女": "daughter", "三女": "daughter", "女儿": "daughter", "女": "daughter",
    "兄": "brother", "弟": "brother", "哥哥": "brother", "弟弟": "brother", "姐": "sister", "妹": "sister",
    "姐姐": "sister", "妹妹": "sister", "户主": "head of household",
}
PROOF_LIMIT = 50  # documents listed in a Person's proof (all are in Documentation entities)


def _json_default(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _dumps(obj: Any) -> str:
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, default=_json_default).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def _loads(text: str) -> Any:
    return _orjson.loads(text) if _orjson is not None else json.loads(text)


def _json_text(v: Any) -> str:
    """A JSON column as stored (SQLite: text with \\u escapes) -> compact JSON, CJK unescaped."""
    if v is None:
        return ""
    if not isinstance(v, str):
        return _dumps(v)
    return _dumps(_loads(v)) if "\\u" in v else v


@cache
def _id_prefix(kind: str) -> Any:
    return hashlib.sha1(f"{NS}\x00{kind}\x00".encode())


def ftm_id(kind: str, *parts: Any) -> str:
    """sha1 of ``NS NUL kind NUL part NUL part ...`` (the hash of the prefix is reused: millions of ids)."""
    h = _id_prefix(kind).copy()
    h.update("\x00".join(map(str, parts)).encode("utf-8"))
    return h.hexdigest()


# --- rows ---------------------------------------------------------------------------------------

FILE_COLS = ("id", "path", "sha256", "size", "type", "status", "reason", "records")
PERSON_COLS = ("person_id", "id_number", "name", "names", "sex", "birth_date", "region_code", "township", "village",
               "latest_status", "latest_status_key", "records")
RECORD_COLS = ("record_id", "file_id", "file_path", "kind", "locator", "person_id", "name", "id_raw", "id_number",
               "id_pattern", "id_valid", "sex", "ethnicity", "birth_date", "address", "township", "village", "status",
               "status_key", "category", "reason", "facility", "building", "cell", "event_date", "sentence", "phone",
               "relation", "relative_of", "text", "flags", "raw")
LINK_COLS = ("link_id", "kind", "src", "dst", "relation", "record_id", "score", "why")


def iter_files(conn: Any) -> Iterator[dict[str, Any]]:
    f = schema.source_file
    for row in conn.execute(select(*(f.c[c] for c in FILE_COLS), f.c.meta).order_by(f.c.id)).mappings():
        yield dict(row)


PERSON_CHUNK = 20_000


def person_chunks(conn: Any) -> Iterator[tuple[list[Any], dict[str, list[tuple[Any, ...]]]]]:
    """Persons in id order, ``PERSON_CHUNK`` at a time, each chunk with its records' (name, file id,
    ethnicity) by person id, in record order: one range query on the person_id index per chunk,
    so memory holds one chunk whatever the store's size."""
    p, r = schema.person, schema.record
    cols = (p.c.id, p.c.id_number, p.c.name, p.c.sex, p.c.birth_date, p.c.region_code, p.c.township, p.c.village,
            p.c.latest_status, p.c.records)
    last = None
    while True:
        q = select(*cols).order_by(p.c.id).limit(PERSON_CHUNK)
        if last is not None:
            q = q.where(p.c.id > last)
        rows = conn.execute(q).all()
        if not rows:
            return
        last = rows[-1].id
        facts: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for pid, name, fid, eth in conn.execute(
                select(r.c.person_id, r.c.name, r.c.file_id, r.c.ethnicity)
                .where(r.c.person_id >= rows[0].id, r.c.person_id <= last).order_by(r.c.id)).all():
            facts[pid].append((name, fid, eth))
        yield rows, facts


def _person_dict(row: Any, facts: list[tuple[Any, ...]]) -> dict[str, Any]:
    forms = list(dict.fromkeys(n for n, _f, _e in facts if n))
    if row.name and row.name not in forms:
        forms.insert(0, row.name)
    return {
        "person_id": row.id, "id_number": row.id_number, "name": row.name, "names": forms,
        "sex": row.sex, "birth_date": row.birth_date, "region_code": row.region_code,
        "township": row.township, "village": row.village, "latest_status": row.latest_status,
        "latest_status_key": terms.status_key(row.latest_status), "records": row.records,
    }


def iter_persons(conn: Any) -> Iterator[dict[str, Any]]:
    for rows, facts in person_chunks(conn):
        for row in rows:
            yield _person_dict(row, facts.get(row.id, []))


_JSON_COLS = ("locator", "flags", "raw")


def record_rows(conn: Any) -> Iterator[list[Any]]:
    """Records as lists in RECORD_COLS order, JSON columns as JSON text, dates as ISO text: the
    fast path for CSV (no per-row dicts, no JSON decoding in SQLAlchemy)."""
    r, f = schema.record, schema.source_file
    exprs = []
    for c in RECORD_COLS:
        if c == "record_id":
            exprs.append(r.c.id)
        elif c == "file_path":
            exprs.append(f.c.path)
        elif c == "status_key":
            exprs.append(r.c.status)
        elif c in _JSON_COLS or c in ("birth_date", "event_date"):
            exprs.append(type_coerce(r.c[c], Text))
        else:
            exprs.append(r.c[c])
    q = select(*exprs).join(f, f.c.id == r.c.file_id).order_by(r.c.id)
    jidx = [RECORD_COLS.index(c) for c in _JSON_COLS]
    didx = [RECORD_COLS.index(c) for c in ("birth_date", "event_date")]
    sk = RECORD_COLS.index("status_key")
    key = terms.status_key
    for row in conn.execute(q.execution_options(yield_per=10_000)):
        v = list(row)
        v[sk] = key(v[sk])
        for i in jidx:
            v[i] = _json_text(v[i])
        for i in didx:
            if v[i] is not None and not isinstance(v[i], str):
                v[i] = v[i].isoformat()
        yield v


def iter_records(conn: Any) -> Iterator[dict[str, Any]]:
    jset = set(_JSON_COLS)
    for v in record_rows(conn):
        yield {c: (_loads(x) if c in jset and x else (None if x == "" and c in jset else x))
               for c, x in zip(RECORD_COLS, v)}


def link_rows(conn: Any) -> Iterator[tuple[Any, ...]]:
    """Links as tuples in LINK_COLS order, straight from the driver's cursor (millions of rows at
    full scale: SQLAlchemy rows and dicts cost several times more)."""
    n = 0
    cur = conn.exec_driver_sql("SELECT id, kind, src, dst, relation, record_id, score, why FROM link ORDER BY id",
                               execution_options={"stream_results": True})
    while True:
        rows = cur.fetchmany(20_000)
        if not rows:
            break
        n += len(rows)
        yield from rows
    if n:
        return
    # No links built yet: relatives as the records state them.
    r, p = schema.record, schema.person
    q = (select(r.c.id, r.c.person_id, r.c.relation, p.c.id.label("dst"))
         .join(p, p.c.id_number == r.c.relative_of)
         .where(r.c.person_id.is_not(None), r.c.relative_of.is_not(None)))
    seen = set()
    for rid, src, rel, dst in conn.execute(q):
        key = (src, dst, rel)
        if key in seen or src == dst:
            continue
        seen.add(key)
        yield (None, "relative", src, dst, rel, rid, None, "the record gives the relation to this ID number")


def iter_links(conn: Any) -> Iterator[dict[str, Any]]:
    for row in link_rows(conn):
        yield dict(zip(LINK_COLS, row))


# --- writers ------------------------------------------------------------------------------------


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return _dumps(v)
    if isinstance(v, date):
        return v.isoformat()
    return v


def _write_csv(path: Path, cols: tuple[str, ...], rows: Iterator[Any]) -> int:
    """rows: dicts (any value: _cell makes it a cell) or lists already in ``cols`` order of plain
    values (None becomes "" in the csv module)."""
    n = 0
    batch: list[Any] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for row in rows:
            batch.append([_cell(row.get(c)) for c in cols] if isinstance(row, dict) else row)
            if len(batch) >= 10_000:
                w.writerows(batch)
                n += len(batch)
                batch.clear()
        w.writerows(batch)
        n += len(batch)
    return n


def export_csv(engine: Engine, out: Path) -> dict[str, Any]:
    stem = out.with_suffix("") if out.suffix == ".csv" else out
    paths = {"persons": out if out.suffix == ".csv" else out.with_suffix(".csv"),
             "records": Path(f"{stem}.records.csv"), "links": Path(f"{stem}.links.csv"),
             "files": Path(f"{stem}.files.csv")}
    counts = {}
    with engine.connect() as conn:
        counts["files"] = _write_csv(paths["files"], FILE_COLS, iter_files(conn))
        counts["persons"] = _write_csv(paths["persons"], PERSON_COLS, iter_persons(conn))
        counts["records"] = _write_csv(paths["records"], RECORD_COLS, record_rows(conn))
        counts["links"] = _write_csv(paths["links"], LINK_COLS, link_rows(conn))
    return {"counts": counts, "paths": {k: str(v) for k, v in paths.items()}}


def export_jsonl(engine: Engine, out: Path) -> dict[str, Any]:
    counts = defaultdict(int)
    with engine.connect() as conn, out.open("w", encoding="utf-8") as fh:
        for typ, it in (("file", iter_files(conn)), ("person", iter_persons(conn)), ("record", iter_records(conn)),
                        ("link", (dict(zip(LINK_COLS, t)) for t in link_rows(conn)))):
            for row in it:
                if "type" in row:
                    row["file_type"] = row.pop("type")  # "type" names the kind of line
                fh.write(_dumps({"type": typ, **row}) + "\n")
                counts[typ] += 1
    return {"counts": dict(counts), "paths": {"jsonl": str(out)}}


# --- FollowTheMoney -------------------------------------------------------------------------------

_MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xls": "application/vnd.ms-excel",
         "csv": "text/csv", "text": "text/plain", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "doc": "application/msword", "pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png",
         "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation", "zip": "application/zip"}


def _ent(schema_name: str, eid: str, props: dict[str, list[Any]]) -> dict[str, Any]:
    clean = {}
    for k, vs in props.items():
        vals = [str(v) for v in vs if v not in (None, "")]
        if vals:
            clean[k] = list(dict.fromkeys(vals))
    return {"id": eid, "schema": schema_name, "properties": clean}


@lru_cache(maxsize=200_000)  # bounded: links come a household at a time, so recent persons repeat
def _person_eid(key: str) -> str:
    return ftm_id("person", key)


def ftm_entities(engine: Engine) -> Iterator[tuple[str, str]]:
    """(schema, the entity as one line of JSON). Documents first, then each chunk of persons
    followed by its Documentation entities, then Family. The millions of Documentation and Family
    lines are written directly: every value in them is a hex id, a fixed word or JSON-encoded."""
    with engine.connect() as conn:
        doc_id: dict[int, str] = {}
        for f in iter_files(conn):
            eid = ftm_id("file", f["sha256"], f["path"])
            doc_id[f["id"]] = eid
            name = f["path"].rsplit("/", 1)[-1].split("!")[-1]
            meta = f["meta"] if isinstance(f["meta"], dict) else {}
            props: dict[str, list[Any]] = {
                # FtM's contentHash is a SHA-1; the store keeps SHA-256, given in notes and in the id
                "fileName": [name], "title": [meta.get("title") or name],
                "fileSize": [f["size"]], "mimeType": [_MIME.get(f["type"], "")],
                "processingStatus": [f["status"]], "processingError": [f["reason"]],
                "author": [meta.get("author")], "extension": [name.rsplit(".", 1)[-1].lower() if "." in name else ""],
                "notes": [f"path in the leak: {f['path']}", f"sha256: {f['sha256']}"],
            }
            yield "Document", _dumps(_ent("Document", eid, props))
        for rows, facts in person_chunks(conn):
            mentions: list[str] = []
            for row in rows:
                pf = facts.get(row.id, [])
                per = _person_dict(row, pf)
                eid = _person_eid(row.id_number or row.id)
                fids = list(dict.fromkeys(fid for _n, fid, _e in pf if fid in doc_id))
                bd = per["birth_date"]
                props = {
                    # FtM requires a name: a person known only from a photo is named by the ID number
                    "name": per["names"] or [f"unnamed ({row.id_number or row.id})"], "idNumber": [row.id_number],
                    "birthDate": [bd.isoformat() if bd and 1880 <= bd.year <= 2030 else None],
                    "gender": [row.sex if row.sex in ("male", "female") else None],
                    "ethnicity": sorted({e for _n, _f, e in pf if e}),
                    "address": [" ".join(x for x in (row.township, row.village) if x) or None],
                    "country": ["cn"], "status": [row.latest_status],
                    "proof": [doc_id[d] for d in fids[:PROOF_LIMIT]],
                    "description": [f"izdesh person {row.id}; {row.records} record(s)"],
                }
                yield "Person", _dumps(_ent("Person", eid, props))
                for fid in fids:
                    mentions.append(f'{{"id":"{ftm_id("mention", row.id, fid)}","schema":"Documentation","properties":'
                                    f'{{"document":["{doc_id[fid]}"],"entity":["{eid}"],"role":["mentioned"]}}}}')
            for line in mentions:
                yield "Documentation", line
        # Family: the two persons' ID numbers come with each link (no map of every person in memory)
        rel_json: dict[str, str] = {}
        why_json: dict[str, str] = {}
        for src, dst, rel, rid, why, src_idn, dst_idn in _family_rows(conn):
            rel = rel or ""
            rj = rel_json.get(rel)
            if rj is None:
                rj = rel_json[rel] = _dumps(RELATION_EN.get(rel, rel.replace("_", " ")) or "relative")
            line = (f'{{"id":"{ftm_id("family", src, dst, rel)}","schema":"Family","properties":{{'
                    f'"person":["{_person_eid(src_idn or src)}"],"relative":["{_person_eid(dst_idn or dst)}"],'
                    f'"relationship":[{rj}]')
            if why:
                wj = why_json.get(why)
                if wj is None:
                    wj = _dumps(why)
                    if len(why_json) < 100_000:  # the same few reasons repeat over millions of links
                        why_json[why] = wj
                line += f',"description":[{wj}]'
            if rid is not None:
                line += f',"recordId":["{rid}"]'
            yield "Family", line + "}}"


def _family_rows(conn: Any) -> Iterator[tuple[Any, ...]]:
    """(src, dst, relation, record id, why, src ID number, dst ID number) of each relative link
    between two persons of the store, from the cursor (or, no links built yet, from the records)."""
    cur = conn.exec_driver_sql(
        "SELECT l.src, l.dst, l.relation, l.record_id, l.why, ps.id_number, pd.id_number FROM link l "
        "JOIN person ps ON ps.id = l.src JOIN person pd ON pd.id = l.dst WHERE l.kind = 'relative' ORDER BY l.id",
        execution_options={"stream_results": True})  # PostgreSQL: a server-side cursor
    n = 0
    while rows := cur.fetchmany(20_000):
        n += len(rows)
        yield from rows
    if n or _has_links(conn):
        return
    r, p = schema.record, schema.person
    src = p.alias("src")
    q = (select(r.c.person_id, p.c.id, r.c.relation, r.c.id, src.c.id_number, p.c.id_number)
         .join(p, p.c.id_number == r.c.relative_of).join(src, src.c.id == r.c.person_id)
         .where(r.c.relative_of.is_not(None)).order_by(r.c.id))
    seen = set()
    for s_, d, rel, rid, s_idn, d_idn in conn.execute(q):
        if (s_, d, rel) in seen or s_ == d:
            continue
        seen.add((s_, d, rel))
        yield (s_, d, rel, rid, "the record gives the relation to this ID number", s_idn, d_idn)


def _has_links(conn: Any) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM link LIMIT 1").first() is not None


def export_ftm(engine: Engine, out: Path) -> dict[str, Any]:
    counts: dict[str, int] = defaultdict(int)
    buf: list[str] = []
    with out.open("w", encoding="utf-8") as fh:
        for schema_name, line in ftm_entities(engine):
            buf.append(line)
            counts[schema_name] += 1
            if len(buf) >= 5000:
                fh.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            fh.write("\n".join(buf) + "\n")
    return {"counts": dict(counts), "paths": {"ftm": str(out)}}


def run(engine: Engine, fmt: str, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    fn = {"csv": export_csv, "jsonl": export_jsonl, "ftm": export_ftm}[fmt]
    res = fn(engine, out)
    res["format"] = fmt
    res["seconds"] = round(time.perf_counter() - t0, 2)
    return res


def count_persons(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.person)).scalar_one()
