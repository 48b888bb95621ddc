"""Authenticity checks over a store: photo EXIF against file names, ID numbers against what rows
state, impossible or out-of-order dates, exact and near-duplicate files, per-file anomalies.

Every finding names its evidence: ``file`` (path in the leak), ``records`` (record ids), ``locator``
(sheet/row or page) and, where known, ``person_id``. The report is a dict (``--json``) that the
HTML template renders as is.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, MetaData, String, Table, Text, func, select

from izdesh.analysis import phash, terms
from izdesh.analysis.stats import COUNTIES
from izdesh.store import schema

MAX_FINDINGS_PER_CHECK = 2000  # the counts stay exact; the listed findings are capped
ZONE_OFFSETS = {2 * 3600: "Xinjiang time (UTC+6) vs Beijing time", 8 * 3600: "UTC vs Beijing time"}
ZONE_SLACK = 120  # seconds around a whole-zone offset
DOC_DATE_SLACK_DAYS = 60  # document property date vs the date in the file name
PLACEHOLDER_DATES = ("1980-01-01", "2000-01-01", "1970-01-01")
NAME_DATE = re.compile(r"(?<!\d)(20[01]\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)")
AGE_IN_TEXT = re.compile(r"(\d{1,3})岁")
EARLIEST_EVENT = date(1990, 1, 1)
LATEST_EVENT = date(2019, 12, 31)

# Perceptual hashes, cached in the store (a table of the analysis package: sha256 -> phash.phash).
_hash_meta = MetaData()
photo_hash = Table(
    "evidence_phash",
    _hash_meta,
    Column("sha256", String(64), primary_key=True),
    Column("phash", Text, nullable=False),
)
PHOTO_NAME = re.compile(r"(\d{17}[\dXx])_(\d{14})\.[A-Za-z]+$")  # <ID>_<YYYYMMDDhhmmss>.jpg
IMAGE_TYPES = ("jpeg", "png", "gif", "bmp", "tiff", "webp")


class Findings:
    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.counts: Counter = Counter()

    def add(self, check: str, message: str, *, severity: str = "warning", file: str | None = None,
            records: list[int] | None = None, locator: Any = None, person_id: str | None = None,
            **extra: Any) -> None:
        self.counts[check] += 1
        if len(self.items[check]) < MAX_FINDINGS_PER_CHECK:
            self.items[check].append({
                "check": check, "severity": severity, "message": message, "file": file,
                "records": records or [], "locator": locator, "person_id": person_id, **extra,
            })


def _exif_time(exif: dict[str, Any] | None) -> datetime | None:
    if not exif:
        return None
    for k in ("DateTimeOriginal", "DateTimeDigitized", "DateTime"):
        v = exif.get(k)
        if isinstance(v, str):
            try:
                return datetime.strptime(v.strip()[:19], "%Y:%m:%d %H:%M:%S")
            except ValueError:
                continue
    return None


def classify_offset(seconds: int) -> tuple[str, str]:
    """(kind, explanation) of EXIF time minus file-name time."""
    a = abs(seconds)
    if a == 0:
        return "none", "same second"
    for off, why in ZONE_OFFSETS.items():
        if abs(a - off) <= ZONE_SLACK:
            return "time_zone", f"{'-' if seconds < 0 else '+'}{off // 3600} h: camera clock on {why}"
    if a < 3600:
        return "seconds", f"camera clock {a} s {'behind' if seconds < 0 else 'ahead of'} the name's time"
    return "other", f"{seconds / 3600:+.2f} h: no known clock explanation"


# --- photos -------------------------------------------------------------------------------------


def _name_time(path: str) -> str | None:
    m = PHOTO_NAME.search(path.rsplit("/", 1)[-1].split("!")[-1])
    if not m:
        return None
    t = m.group(2)
    return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}"


def check_photos(conn: Any, F: Findings) -> dict[str, Any]:
    """Every image file, duplicates included (a copy keeps its own name, so its own name time): the
    EXIF comes from the file's metadata, the photo row, or another file with the same sha256."""
    f, ph = schema.source_file, schema.photo
    photo_rows = {row.file_id: row for row in conn.execute(
        select(ph.c.file_id, ph.c.taken_at, ph.c.exif, ph.c.person_id, ph.c.record_id))}
    files = conn.execute(select(f.c.id, f.c.path, f.c.sha256, f.c.meta, f.c.status)
                         .where(f.c.type.in_(IMAGE_TYPES) | f.c.id.in_(list(photo_rows)))).all()
    exif_by_sha: dict[str, dict[str, Any]] = {}
    for fid, _path, sha, meta, _st in files:
        pr = photo_rows.get(fid)
        exif = (pr.exif if pr is not None else None) or (meta.get("exif") if isinstance(meta, dict) else None)
        if exif:
            exif_by_sha.setdefault(sha, exif)
    makes: Counter = Counter()
    models: Counter = Counter()
    offsets: Counter = Counter()
    n = with_exif = with_name_time = 0
    lo = hi = None
    for fid, path, sha, meta, status in files:
        n += 1
        pr = photo_rows.get(fid)
        exif = exif_by_sha.get(sha)
        t = _exif_time(exif)
        if exif:
            with_exif += 1
            makes[(str(exif.get("Make") or "(none)")).strip()] += 1
            models[f"{str(exif.get('Make') or '').strip()} / {str(exif.get('Model') or '(none)').strip()}"] += 1
        if t is not None:
            lo = t if lo is None or t < lo else lo
            hi = t if hi is None or t > hi else hi
        taken = (pr.taken_at if pr is not None else None) or _name_time(path)
        if not taken:
            continue
        with_name_time += 1
        recs = [pr.record_id] if pr is not None and pr.record_id else []
        person = pr.person_id if pr is not None else None
        named = datetime.fromisoformat(taken)
        if t is None:
            F.add("exif_missing", "a photo named with a time but without an EXIF time", severity="info",
                  file=path, records=recs, person_id=person)
            continue
        off = int((t - named).total_seconds())
        kind, why = classify_offset(off)
        offsets[kind] += 1
        if kind != "none":
            F.add("exif_time_offset", f"EXIF DateTimeOriginal {t:%Y-%m-%d %H:%M:%S} vs file name "
                  f"{named:%Y-%m-%d %H:%M:%S}: {off:+d} s ({why})",
                  severity="info" if kind != "other" else "warning", file=path, records=recs,
                  locator={"taken_at": taken}, person_id=person, offset_seconds=off, offset_kind=kind,
                  file_status=status)
    return {
        "photos": n, "with_exif": with_exif, "with_time_in_name": with_name_time,
        "makes": dict(makes.most_common()), "models": dict(models.most_common()),
        "exif_time_range": [lo.isoformat() if lo else None, hi.isoformat() if hi else None],
        "offsets": dict(offsets),
    }


def _photo_roots(engine: Engine, leak: list[Path]) -> list[Path]:
    where = list(leak)
    try:
        from izdesh.store.files import roots

        where += [p for p in roots(engine) if p not in where]
    except Exception:  # an older store module: only --leak
        pass
    return where


def _locate(path: str, where: list[Path]) -> Path | None:
    try:
        from izdesh.store.files import locate

        return locate(path, where)
    except ImportError:
        if "!" in path:
            return None
        for root in where:
            cand = root / path
            if cand.is_file():
                return cand
        return None


def photo_hashes(engine: Engine, leak: list[Path], *, write_db: str | None = None) -> tuple[dict[int, str], dict[str, Any]]:
    """file id -> perceptual hash (phash.phash) for every image the store lists: from
    source_file.meta["phash"], the cache table, or computed from the original (then cached in the
    store when it is writable)."""
    f = schema.source_file
    where = _photo_roots(engine, leak)
    out: dict[int, str] = {}
    info = {"computed": 0, "cached": 0, "unreadable": 0, "not_found": 0, "stored": False}
    with engine.connect() as conn:
        cached: dict[str, str] = {}
        if photo_hash.name in set(conn.dialect.get_table_names(conn)):
            cached = dict(conn.execute(select(photo_hash.c.sha256, photo_hash.c.phash)).all())
        rows = conn.execute(select(f.c.id, f.c.path, f.c.sha256, f.c.meta).where(f.c.type.in_(IMAGE_TYPES))).all()
    new: dict[str, str] = {}
    for fid, path, sha, meta in rows:
        h = (meta or {}).get("phash") if isinstance(meta, dict) else None
        h = h or cached.get(sha) or new.get(sha)
        if h:
            info["cached"] += 1
            out[fid] = h
            continue
        p = _locate(path, where)
        if p is None:
            info["not_found"] += 1
            continue
        try:
            h = phash.phash(p)
        except Exception:
            info["unreadable"] += 1
            continue
        info["computed"] += 1
        out[fid] = new[sha] = h
    if new and write_db:
        try:
            from izdesh.store.db import open_engine

            w = open_engine(write_db)
            _hash_meta.create_all(w)
            with w.begin() as conn:
                have = set(conn.execute(select(photo_hash.c.sha256)).scalars())
                conn.execute(photo_hash.insert(), [{"sha256": s, "phash": h} for s, h in new.items() if s not in have])
            info["stored"] = True
        except Exception as exc:  # read-only store: report, do not fail
            info["stored"] = f"not stored: {exc.__class__.__name__}"
    info["roots"] = [str(p) for p in where]
    return out, info


def check_duplicates(conn: Any, F: Findings, hashes: dict[int, str]) -> dict[str, Any]:
    f = schema.source_file
    rows = conn.execute(select(f.c.id, f.c.path, f.c.sha256, f.c.type, f.c.size)).all()
    rec_of = {fid: rid for fid, rid in conn.execute(select(schema.photo.c.file_id, schema.photo.c.record_id)) if rid}
    by_sha: dict[str, list[Any]] = defaultdict(list)
    paths = {}
    for row in rows:
        paths[row.id] = row.path
        if row.size:  # empty files all share one hash: reported as empty, not as duplicates
            by_sha[row.sha256].append(row)
    groups = 0
    for sha, grp in by_sha.items():
        if len(grp) > 1:
            groups += 1
            F.add("exact_duplicate", f"{len(grp)} files with the same content (sha256 {sha[:12]}...): "
                  + ", ".join(g.path for g in grp[:10]), severity="info", file=grp[0].path,
                  files=[g.path for g in grp], sha256=sha, records=[rec_of[g.id] for g in grp if g.id in rec_of])
    sha_of = {row.id: row.sha256 for row in rows}
    near = 0
    for a, b, d, colour in phash.near_pairs(hashes):
        if sha_of.get(a) == sha_of.get(b):
            continue  # already an exact duplicate
        near += 1
        F.add("near_duplicate_photo", f"near-identical photos ({d} of 256 dHash bits apart, colour difference "
              f"{colour}): {paths[a]} ~ {paths[b]}", severity="warning", file=paths[a], files=[paths[a], paths[b]],
              hamming=d, colour=colour, records=[rec_of[x] for x in (a, b) if x in rec_of])
    return {"exact_groups": groups, "near_pairs": near, "hashed_photos": len(hashes)}


# --- ID numbers ---------------------------------------------------------------------------------


def _county_stated(path: str, address: str | None, township: str | None) -> str | None:
    for text in (address or "", path.split("/", 1)[0]):
        for county in COUNTIES:
            if county in text:
                return county
    return None


def _file_date(path: str) -> date | None:
    m = NAME_DATE.search(path.rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def check_records(conn: Any, F: Findings, *, ref_today: date | None = None) -> dict[str, Any]:
    f, r = schema.source_file, schema.record
    today = ref_today or date.today()
    paths = dict(conn.execute(select(f.c.id, f.c.path)).all())
    stats: Counter = Counter()
    flags_seen: Counter = Counter()
    per_file: dict[int, Counter] = defaultdict(Counter)
    timeline: dict[str, list[tuple[date, str, int]]] = defaultdict(list)
    q = select(r.c.id, r.c.file_id, r.c.kind, r.c.locator, r.c.person_id, r.c.id_raw, r.c.id_number, r.c.id_valid,
               r.c.id_pattern, r.c.sex, r.c.birth_date, r.c.address, r.c.township, r.c.status, r.c.event_date,
               r.c.text, r.c.flags)
    for row in conn.execute(q).mappings():
        path = paths.get(row["file_id"], "?")
        pf = per_file[row["file_id"]]
        pf["records"] += 1
        for fl in row["flags"] or ():
            flags_seen[fl] += 1
        rid, loc = row["id"], row["locator"]
        if row["id_raw"] is not None or row["id_pattern"] is not None:
            stats["with_id"] += 1
            pf["with_id"] += 1
            if row["id_valid"] == 1:
                stats["valid"] += 1
            elif row["id_pattern"]:
                stats["partial"] += 1
                pf["partial"] += 1
            else:
                stats["invalid"] += 1
                pf["invalid"] += 1
                fl = set(row["flags"] or ())
                if "bad_check" in fl:
                    stats["bad_check"] += 1
                    F.add("id_bad_checksum", f"ID {row['id_raw']!r}: check character wrong", file=path,
                          records=[rid], locator=loc, severity="info")
        idn = row["id_number"] if row["id_valid"] == 1 else None
        if idn:
            try:
                born = date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
            except ValueError:
                born = None
            sex = "male" if int(idn[16]) % 2 else "female"
            if row["birth_date"] is not None and born is not None:
                stats["birth_stated"] += 1
                if row["birth_date"] != born:
                    stats["birth_mismatch"] += 1
                    F.add("id_birth_mismatch", f"stated birth date {row['birth_date']} but the ID says {born}",
                          file=path, records=[rid], locator=loc, person_id=row["person_id"])
            if row["text"] and born is not None:
                m = AGE_IN_TEXT.search(row["text"])
                fd = _file_date(path)
                if m and fd:
                    stats["age_stated"] += 1
                    age = int(m.group(1))
                    exact = fd.year - born.year - ((fd.month, fd.day) < (born.month, born.day))
                    if abs(age - exact) > 1:  # ages in reports are often counted at another date
                        stats["age_mismatch"] += 1
                        F.add("id_age_mismatch", f"stated age {age} but the ID's birth date {born} gives "
                              f"{exact} on {fd} (the file's date)", file=path, records=[rid], locator=loc,
                              person_id=row["person_id"])
            if row["sex"] in ("male", "female"):
                stats["sex_stated"] += 1
                if row["sex"] != sex:
                    stats["sex_mismatch"] += 1
                    F.add("id_sex_mismatch", f"stated sex {row['sex']} but the ID's sequence digit says {sex}",
                          file=path, records=[rid], locator=loc, person_id=row["person_id"])
            county = _county_stated(path, row["address"], row["township"])
            if county is not None:
                stats["county_stated"] += 1
                if idn[:6] not in COUNTIES[county]:
                    stats["region_mismatch"] += 1
                    F.add("id_region_mismatch", f"row is in {county} but the ID's region code {idn[:6]} is not "
                          f"({', '.join(COUNTIES[county])})", severity="info", file=path, records=[rid],
                          locator=loc, person_id=row["person_id"])
            ev = row["event_date"]
            if ev is not None and born is not None and ev < born:
                stats["event_before_birth"] += 1
                F.add("date_before_birth", f"event dated {ev}, before the birth date {born}", severity="error",
                      file=path, records=[rid], locator=loc, person_id=row["person_id"])
        ev = row["event_date"]
        if ev is not None:
            stats["dated"] += 1
            if ev < EARLIEST_EVENT or ev > min(LATEST_EVENT, today):
                stats["date_out_of_range"] += 1
                F.add("date_out_of_range", f"event dated {ev}: outside {EARLIEST_EVENT}..{LATEST_EVENT}",
                      file=path, records=[rid], locator=loc, person_id=row["person_id"])
            fd = _file_date(path)
            if fd is not None and (ev - fd).days > 1:
                stats["event_after_file_date"] += 1
                F.add("date_after_file", f"event dated {ev}, after the date in the file name ({fd})", file=path,
                      records=[rid], locator=loc, person_id=row["person_id"])
            key = terms.status_key(row["status"])
            if key and row["person_id"]:
                timeline[row["person_id"]].append((ev, key, rid))
        if row["birth_date"] is not None and row["birth_date"] > today:
            F.add("birth_in_future", f"birth date {row['birth_date']} is in the future", severity="error",
                  file=path, records=[rid], locator=loc)
    _table_ages(conn, F, paths, stats)
    p = schema.person
    for pid, born, basis in conn.execute(select(p.c.id, p.c.birth_date, getattr(p.c, "basis", p.c.id))):
        if born is not None and (born.year < 1880 or born > today):
            stats["person_birth_impossible"] += 1
            F.add("person_birth_impossible", f"person formed with birth date {born} (basis {basis})",
                  severity="error", person_id=pid)
    order_issues = _timeline_checks(timeline, F)
    stats["timeline_out_of_order"] = order_issues
    with_id = stats["with_id"]
    summary = {
        "records_with_id": with_id,
        "valid": stats["valid"], "partial": stats["partial"], "invalid": stats["invalid"],
        "checksum_valid_rate": round(stats["valid"] / (stats["valid"] + stats["bad_check"]), 5)
        if stats["valid"] + stats["bad_check"] else None,
        "valid_rate": round(stats["valid"] / with_id, 5) if with_id else None,
        "bad_check": stats["bad_check"],
        "birth_date_stated": stats["birth_stated"], "birth_date_mismatch": stats["birth_mismatch"],
        "age_stated": stats["age_stated"], "age_mismatch": stats["age_mismatch"],
        "sex_stated": stats["sex_stated"], "sex_mismatch": stats["sex_mismatch"],
        "county_stated": stats["county_stated"], "region_mismatch": stats["region_mismatch"],
        "flags": dict(flags_seen.most_common()),
    }
    dates = {k: stats[k] for k in ("dated", "date_out_of_range", "event_after_file_date", "event_before_birth",
                                   "timeline_out_of_order", "person_birth_impossible")}
    return {"ids": summary, "dates": dates, "per_file": per_file, "paths": paths}


def _table_ages(conn: Any, F: Findings, paths: dict[int, str], stats: Counter) -> None:
    """Spreadsheet rows with an age column (field "age"): the age against the ID's birth date on
    the date in the file name (or 2017, the registers' year), one year either way allowed."""
    t, r = schema.source_table, schema.record
    age_header: dict[int, str] = {}
    for tid, cols in conn.execute(select(t.c.id, t.c.columns)):
        for c in cols or ():
            if isinstance(c, dict) and c.get("field") == "age":
                age_header[tid] = c.get("header")
    if not age_header:
        return
    q = select(r.c.id, r.c.file_id, r.c.table_id, r.c.raw, r.c.id_number, r.c.locator, r.c.person_id).where(
        r.c.table_id.in_(list(age_header)), r.c.id_valid == 1)
    for rid, fid, tid, raw, idn, loc, pid in conn.execute(q):
        m = re.search(r"\d{1,3}", str((raw or {}).get(age_header[tid]) or ""))
        if not m or not idn:
            continue
        try:
            born = date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))
        except ValueError:
            continue
        path = paths.get(fid, "?")
        on = _file_date(path) or date(2017, 12, 31)
        exact = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        stats["age_stated"] += 1
        if abs(int(m.group(0)) - exact) > 1:
            stats["age_mismatch"] += 1
            F.add("id_age_mismatch", f"stated age {m.group(0)} but the ID's birth date {born} gives {exact} on {on}",
                  file=path, records=[rid], locator=loc, person_id=pid)


# Order in which statuses can follow each other: an event of rank r dated before an event of a lower
# rank that must precede it is out of order (released or died before any detention...).
_MUST_FOLLOW = {"released": ("detained", "re_education"), "sentenced": ("detained",)}


def _timeline_checks(timeline: dict[str, list[tuple[date, str, int]]], F: Findings) -> int:
    n = 0
    for pid, evs in timeline.items():
        if len(evs) < 2:
            continue
        evs.sort()
        deaths = [e for e in evs if e[1] == "died"]
        if deaths:
            d = deaths[0]
            later = [e for e in evs if e[0] > d[0] and e[1] != "died"]
            if later:
                n += 1
                F.add("event_after_death", f"{later[0][1]} on {later[0][0]} after death recorded on {d[0]}",
                      severity="error", records=[d[2]] + [e[2] for e in later[:5]], person_id=pid)
        for key, before in _MUST_FOLLOW.items():
            first_key = next((e for e in evs if e[1] == key), None)
            if first_key is None:
                continue
            priors = [e for e in evs if e[1] in before]
            if priors and all(p[0] > first_key[0] for p in priors):
                n += 1
                F.add("timeline_out_of_order", f"{key} on {first_key[0]} before any {'/'.join(before)} "
                      f"(first on {priors[0][0]})", records=[first_key[2], priors[0][2]], person_id=pid)
    return n


# --- files --------------------------------------------------------------------------------------


def check_files(conn: Any, F: Findings, per_file: dict[int, Counter], paths: dict[int, str]) -> dict[str, Any]:
    f = schema.source_file
    status: Counter = Counter()
    for row in conn.execute(select(f.c.id, f.c.path, f.c.type, f.c.status, f.c.reason, f.c.meta)).mappings():
        status[row["status"]] += 1
        if row["status"] not in ("ok", "duplicate"):
            F.add("file_status", f"{row['status']}: {row['reason'] or ''}",
                  severity="error" if row["status"] in ("corrupt", "encrypted") else "warning", file=row["path"])
        ext = row["path"].rsplit(".", 1)[-1].lower() if "." in row["path"].rsplit("/", 1)[-1] else ""
        if ext and row["type"] not in ("empty", "unknown") and not _ext_fits(ext, row["type"]):
            F.add("file_misnamed", f"named .{ext} but the content is {row['type']}", file=row["path"])
        meta = row["meta"] if isinstance(row["meta"], dict) else {}
        fd = _file_date(row["path"])
        created = _meta_date(meta)
        if created is not None:
            if created.isoformat() in PLACEHOLDER_DATES:
                F.add("doc_placeholder_date", f"document property date {created} (a software default)",
                      severity="info", file=row["path"])
            elif fd is not None and abs((created - fd).days) > DOC_DATE_SLACK_DAYS:
                F.add("doc_date_mismatch", f"document created {created}, file name dated {fd}", severity="info",
                      file=row["path"])
        pf = per_file.get(row["id"])
        if pf and pf["with_id"] >= 10 and (pf["invalid"] + pf["partial"]) / pf["with_id"] > 0.2:
            F.add("file_many_bad_ids", f"{pf['invalid']} invalid and {pf['partial']} partial ID numbers of "
                  f"{pf['with_id']} ({(pf['invalid'] + pf['partial']) / pf['with_id']:.0%})",
                  severity="info", file=row["path"])
    return {"by_status": dict(status)}


_EXT_TYPES = {"xls": ("xls", "xlsx"), "xlsx": ("xlsx",), "csv": ("csv", "text"), "txt": ("text", "csv"),
              "doc": ("doc", "docx"), "docx": ("docx",), "pdf": ("pdf",), "jpg": ("jpeg",), "jpeg": ("jpeg",),
              "png": ("png",), "pptx": ("pptx",), "zip": ("zip",), "rar": ("rar",), "7z": ("7z",)}


def _ext_fits(ext: str, typ: str) -> bool:
    allowed = _EXT_TYPES.get(ext)
    return allowed is None or typ in allowed or typ.startswith(ext)


def _meta_date(meta: dict[str, Any]) -> date | None:
    for k in ("created", "creationdate"):
        v = meta.get(k)
        if not isinstance(v, str) or not v:
            continue
        s = v[2:] if v.startswith("D:") else v
        s = s.replace("-", "")
        try:
            return date(int(s[0:4]), int(s[4:6]), int(s[6:8]))
        except ValueError:
            continue
    return None


# --- the report ---------------------------------------------------------------------------------


def run(engine: Engine, *, leak: list[Path] | None = None, write_db: str | None = None,
        ref_today: date | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    F = Findings()
    timings = {}
    with engine.connect() as conn:
        t = time.perf_counter()
        photos = check_photos(conn, F)
        timings["photos"] = time.perf_counter() - t
        t = time.perf_counter()
        rec = check_records(conn, F, ref_today=ref_today)
        timings["records"] = time.perf_counter() - t
        t = time.perf_counter()
        files = check_files(conn, F, rec["per_file"], rec["paths"])
        timings["files"] = time.perf_counter() - t
    t = time.perf_counter()
    hashes, hinfo = photo_hashes(engine, leak or [], write_db=write_db)
    timings["hashing"] = time.perf_counter() - t
    with engine.connect() as conn:
        dups = check_duplicates(conn, F, hashes)
    photos["hashing"] = hinfo
    with engine.connect() as conn:
        n_files = conn.execute(select(func.count()).select_from(schema.source_file)).scalar_one()
        n_records = conn.execute(select(func.count()).select_from(schema.record)).scalar_one()
    return {
        "store": {"files": n_files, "records": n_records},
        "photos": photos,
        "ids": rec["ids"],
        "dates": rec["dates"],
        "files": files,
        "duplicates": dups,
        "finding_counts": dict(sorted(F.counts.items())),
        "findings": {k: v for k, v in sorted(F.items.items())},
        "findings_capped_at": MAX_FINDINGS_PER_CHECK,
        "seconds": round(time.perf_counter() - t0, 2),
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }
