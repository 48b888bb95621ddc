"""Helpers for the identity tests (tests/test_identity_*.py): a store filled with hand-written records (no files needed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import make_id

__all__ = ["make_id", "Store"]


class Store:
    """Records written straight into a new store; then `rebuild_persons` as the pipeline runs it."""

    def __init__(self, db: str) -> None:
        self.engine: Engine = open_engine(db, create=True)
        self.files: dict[str, int] = {}
        self.tables: dict[tuple[str, str], int] = {}
        self.rows: dict[int, int] = {}

    def file(self, path: str) -> int:
        if path not in self.files:
            with self.engine.begin() as conn:
                fid = conn.execute(
                    schema.source_file.insert().values(
                        path=path, sha256=f"{len(self.files):064x}", size=1, type="xlsx", status="ok", records=0
                    )
                ).inserted_primary_key[0]
            self.files[path] = fid
        return self.files[path]

    def table(self, path: str, sheet: str = "Sheet1") -> int:
        key = (path, sheet)
        if key not in self.tables:
            fid = self.file(path)
            with self.engine.begin() as conn:
                tid = conn.execute(
                    schema.source_table.insert().values(file_id=fid, sheet=sheet, header_row=0, columns=[], rows=0)
                ).inserted_primary_key[0]
            self.tables[key] = tid
        return self.tables[key]

    def add(self, path: str, *, kind: str = "table", sheet: str = "Sheet1", **fields: Any) -> int:
        """One record. ID given as `id_raw` is parsed like ingest does (id_number/id_pattern/id_valid)."""
        from izdesh.records.mapping import id_fields

        fid = self.file(path)
        row: dict[str, Any] = {"file_id": fid, "kind": kind, "raw": {}, "flags": []}
        if kind == "table":
            tid = self.table(path, sheet)
            n = self.rows.get(tid, 0) + 1
            self.rows[tid] = n
            row.update(table_id=tid, locator={"sheet": sheet, "row": n})
        else:
            row["locator"] = {"paragraph": len(self.rows), "start": 0, "end": 1}
            self.rows[-fid] = self.rows.get(-fid, 0) + 1
        if "id_raw" in fields and fields["id_raw"] is not None:
            more, _ = id_fields(fields["id_raw"])
            row.update(more)
            if isinstance(fields["id_raw"], float):
                fields["id_raw"] = repr(fields["id_raw"])
        for k in ("birth_date", "event_date"):
            if isinstance(fields.get(k), str):
                fields[k] = date.fromisoformat(fields[k])
        row.update(fields)
        with self.engine.begin() as conn:
            return int(conn.execute(schema.record.insert().values(**row)).inserted_primary_key[0])

    def rebuild(self) -> int:
        from izdesh.identity.persons import rebuild_persons

        return rebuild_persons(self.engine)

    def person_of(self, record_id: int) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(schema.record.c.person_id).where(schema.record.c.id == record_id)).scalar()

    def record_links(self, record_id: int) -> list[dict[str, Any]]:
        rl = schema.record_link
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(rl).where(rl.c.record_id == record_id))]

    def links(self, kind: str | None = None) -> list[dict[str, Any]]:
        ln = schema.link
        q = select(ln) if kind is None else select(ln).where(ln.c.kind == kind)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
