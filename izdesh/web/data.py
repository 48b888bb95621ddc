"""What the pages read from the store beyond search and person: dropdown choices, thumbnails, the
source of one record, statistics. The store is read-only while serving, so what does not depend on
the request is computed once and kept."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, extract, func, select

from izdesh.store import schema
from izdesh.store.files import read_original, sha256_bytes
from izdesh.web import i18n

IMAGE_TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "gif": "image/gif",
               "webp": "image/webp", "tiff": "image/tiff", "bmp": "image/bmp"}  # fmt: skip
SPREADSHEETS = {"xlsx", "xlsm", "xls", "ods", "xlsb"}
DELIMITED = {"csv", "tsv", "txt"}
DETAINED = ("detained", "re_education", "sentenced", "died")  # status keys counted as held


class Store:
    """One read-only store and the originals behind it."""

    def __init__(self, engine: Engine, roots: list[Path]):
        self.engine = engine
        self.roots = roots
        self._lock = threading.Lock()
        self._choices: dict[str, Any] | None = None
        self._stats: dict[str, Any] | None = None
        self._photo_index: dict[str, int] | None = None
        # A few parsed sheets are kept (a sheet lists hundreds of people: it says little about whom
        # a visitor looked up); originals and photos are read on each request, never kept.
        self._sheet = lru_cache(maxsize=8)(self._read_sheet)

    # ------------------------------------------------------------------------------ dropdowns
    def choices(self) -> dict[str, Any]:
        if self._choices is None:
            p = schema.person
            with self.engine.connect() as conn:
                pairs = conn.execute(
                    select(p.c.township, p.c.village, func.count())
                    .where(p.c.township.is_not(None))
                    .group_by(p.c.township, p.c.village)
                    .order_by(p.c.township, p.c.village)
                ).all()
                years = conn.execute(
                    select(func.min(p.c.birth_date), func.max(p.c.birth_date)).where(p.c.birth_date.is_not(None))
                ).first()
                statuses = conn.execute(
                    select(p.c.latest_status, func.count()).where(p.c.latest_status.is_not(None)).group_by(p.c.latest_status)
                ).all()
            towns: dict[str, list[str]] = defaultdict(list)
            for town, village, _n in pairs:
                if village:
                    towns[town].append(village)
                else:
                    towns.setdefault(town, [])
            keys: Counter[str] = Counter()
            for value, n in statuses:
                keys[i18n.term_key("status", value) or value] += n
            lo, hi = years if years and years[0] else (None, None)
            self._choices = {
                "townships": dict(towns),
                "years": (lo.year, hi.year) if lo and hi else (1930, 2018),
                "statuses": [k for k, _ in keys.most_common()],
            }
        return self._choices

    # ------------------------------------------------------------------------------ thumbnails
    def first_photos(self, person_ids: list[str]) -> dict[str, int]:
        """person_id -> the first photo's id, from an index read once (photos are few: 5,074 in
        the real leak), so a results page costs no query for its thumbnails."""
        if self._photo_index is None:
            ph = schema.photo
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(ph.c.person_id, func.min(ph.c.id)).where(ph.c.person_id.is_not(None)).group_by(ph.c.person_id)
                ).all()
            self._photo_index = {pid: phid for pid, phid in rows}
        return {pid: self._photo_index[pid] for pid in person_ids if pid in self._photo_index}

    def photo(self, photo_id: int) -> dict[str, Any] | None:
        ph, f = schema.photo, schema.source_file
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ph.c.id, ph.c.person_id, ph.c.record_id, ph.c.taken_at, ph.c.exif, f.c.path, f.c.type, f.c.sha256, f.c.id.label("file_id"))
                .join(f, f.c.id == ph.c.file_id)
                .where(ph.c.id == photo_id)
            ).mappings().first()
        return dict(row) if row else None

    def file(self, file_id: int) -> dict[str, Any] | None:
        f = schema.source_file
        with self.engine.connect() as conn:
            row = conn.execute(select(f).where(f.c.id == file_id)).mappings().first()
        return dict(row) if row else None

    def _read_original(self, path: str, sha256: str) -> tuple[bytes | None, bool]:
        data = read_original(path, self.roots)
        return data, bool(data is not None and sha256_bytes(data) == sha256)

    def original(self, path: str, sha256: str) -> tuple[bytes | None, bool]:
        """The original's bytes and whether they still hash to what the ingest recorded."""
        return self._read_original(path, sha256)

    # ------------------------------------------------------------------------------ sources
    def record(self, record_id: int) -> dict[str, Any] | None:
        r, f, t = schema.record, schema.source_file, schema.source_table
        with self.engine.connect() as conn:
            row = conn.execute(
                select(r, f.c.path, f.c.sha256, f.c.size, f.c.type.label("file_type"), f.c.status.label("file_status"),
                       f.c.reason.label("file_reason"), f.c.meta.label("file_meta"))
                .join(f, f.c.id == r.c.file_id)
                .where(r.c.id == record_id)
            ).mappings().first()
            if row is None:
                return None
            rec = dict(row)
            rec["table"] = None
            if rec.get("table_id"):
                trow = conn.execute(select(t).where(t.c.id == rec["table_id"])).mappings().first()
                rec["table"] = dict(trow) if trow else None
            rec["photo"] = conn.execute(
                select(schema.photo.c.id, schema.photo.c.exif, schema.photo.c.taken_at).where(schema.photo.c.record_id == record_id)
            ).mappings().first()
        return rec

    def _read_sheet(self, path: str, sha256: str, ftype: str, sheet: str) -> list[list[str]] | None:
        from izdesh.ingest.tables import cell_text, read_delimited, read_spreadsheet

        original = self.locate(path)
        if original is None:
            return None
        try:
            sheets = read_spreadsheet(original) if ftype in SPREADSHEETS else read_delimited(original)
            for sh in sheets:
                if sh.name == sheet or (ftype not in SPREADSHEETS):
                    return [[cell_text(c) for c in row] for row in sh.rows]
        except Exception:  # a file that changed or does not read any more: fall back to stored cells
            return None
        return None

    def locate(self, path: str) -> Path | None:
        from izdesh.store.files import locate

        return locate(path, self.roots)

    def sheet_window(self, rec: dict[str, Any], around: int = 12) -> dict[str, Any] | None:
        """The rows of the sheet around the record's row, re-read from the original file."""
        loc = rec.get("locator") or {}
        row = loc.get("row")
        if not isinstance(row, int) or rec.get("file_type") not in SPREADSHEETS | DELIMITED:
            return None
        rows = self._sheet(rec["path"], rec["sha256"], rec["file_type"], str(loc.get("sheet", "")))
        if rows is None or row >= len(rows):
            return None
        header_row = (rec.get("table") or {}).get("header_row")
        lo, hi = max(0, row - around), min(len(rows), row + around + 1)
        width = max((len(r) for r in rows[lo:hi]), default=0)
        if isinstance(header_row, int) and header_row < len(rows):
            width = max(width, len(rows[header_row]))
        pad = lambda r: list(r) + [""] * (width - len(r))  # noqa: E731
        body = [(i, pad(rows[i])) for i in range(lo, hi)]
        header = pad(rows[header_row]) if isinstance(header_row, int) and header_row < lo else None
        return {"from": "original", "header": header, "header_index": header_row, "rows": body, "hit": row,
                "total": len(rows), "cols": width}

    def stored_rows(self, rec: dict[str, Any], around: int = 12) -> dict[str, Any] | None:
        """The same window from the raw cells the ingest stored (when the original is not here)."""
        if not rec.get("table_id"):
            return None
        r = schema.record
        with self.engine.connect() as conn:
            got = conn.execute(select(r.c.locator, r.c.raw).where(r.c.table_id == rec["table_id"])).all()
        rows: list[tuple[int, dict[str, Any]]] = sorted(
            (((loc or {}).get("row", 0), raw or {}) for loc, raw in got), key=lambda t: t[0]
        )
        hit = (rec.get("locator") or {}).get("row", 0)
        idx = next((i for i, (row, _) in enumerate(rows) if row == hit), 0)
        window = rows[max(0, idx - around) : idx + around + 1]
        headers: list[str] = []
        for _, raw in window:
            for h in raw:
                if h not in headers:
                    headers.append(h)
        body = [(row, [str(raw.get(h, "")) for h in headers]) for row, raw in window]
        return {"from": "stored", "header": headers, "header_index": None, "rows": body, "hit": hit,
                "total": len(rows), "cols": len(headers)}

    # ------------------------------------------------------------------------------ statistics
    def stats(self) -> dict[str, Any]:
        with self._lock:
            if self._stats is None:
                self._stats = self._compute_stats()
        return self._stats

    def _compute_stats(self) -> dict[str, Any]:
        """Counts grouped in SQL (full scale: millions of records), mapped to terms in Python."""
        p, r, f = schema.person, schema.record, schema.source_file
        year, month = extract("year", r.c.event_date), extract("month", r.c.event_date)
        with self.engine.connect() as conn:
            persons = conn.execute(select(func.count()).select_from(p)).scalar_one()
            records = conn.execute(select(func.count()).select_from(r)).scalar_one()
            files = conn.execute(select(f.c.status, func.count()).group_by(f.c.status)).all()
            photos = conn.execute(select(func.count()).select_from(schema.photo)).scalar_one()
            by_town = conn.execute(
                select(p.c.township, p.c.latest_status, func.count()).group_by(p.c.township, p.c.latest_status)
            ).all()
            words = conn.execute(select(r.c.status).where(r.c.status.is_not(None)).distinct()).scalars().all()
            held_words = [w for w in words if i18n.term_key("status", w) in DETAINED]
            held_q = select(r.c.person_id).where(r.c.status.in_(held_words), r.c.person_id.is_not(None))
            held = conn.execute(select(func.count(func.distinct(r.c.person_id))).where(r.c.status.in_(held_words))).scalar_one() if held_words else 0
            born = extract("year", p.c.birth_date)
            ages = conn.execute(
                select(p.c.sex, born, func.count()).where(p.c.id.in_(held_q), p.c.birth_date.is_not(None)).group_by(p.c.sex, born)
            ).all() if held_words else []
            months = conn.execute(
                select(year, month, func.count()).where(r.c.event_date.is_not(None)).group_by(year, month)
            ).all()
        status_town: dict[str, Counter[str]] = defaultdict(Counter)
        for town, status, n in by_town:
            if not status:  # no status at all: a resident listed, nothing more (most of a register)
                continue
            key = i18n.term_key("status", status) or status
            status_town[town or "?"][key] += n
        pyramid: dict[str, Counter[int]] = {"male": Counter(), "female": Counter()}
        for sex, y, n in ages:
            if sex in pyramid and y:
                age = 2018 - int(y)
                if age >= 0:
                    pyramid[sex][min(age // 5 * 5, 80)] += n
        per_month: Counter[str] = Counter()
        for y, m, n in months:
            if y and m and 2010 <= int(y) <= 2020:
                per_month[f"{int(y):04d}-{int(m):02d}"] += n
        return {
            "persons": persons, "records": records, "photos": photos, "files": dict(files),
            "held": held,
            "status_town": {t: dict(c) for t, c in sorted(status_town.items())},
            "pyramid": {s: dict(c) for s, c in pyramid.items()},
            "per_month": dict(sorted(per_month.items())),
        }  # fmt: skip
