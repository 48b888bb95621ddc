"""Bulk inserts (izdesh.store.bulk): COPY on PostgreSQL, executemany on SQLite, and in both cases
exactly the rows SQLAlchemy's own insert writes, down to the stored JSON text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, Text, cast, func, inspect, select

from izdesh.store import schema
from izdesh.store.bulk import empty_table, insert_rows, refill
from izdesh.store.db import open_engine

FILE = {"path": "a.xlsx", "sha256": "0" * 64, "size": 1, "type": "xlsx", "status": "ok", "records": 0}
# Quotes, tabs, newlines, backslashes and non-ASCII text: what COPY's text format must escape.
RECORDS = [
    {"kind": "table", "locator": {"sheet": "名单", "row": 3}, "raw": {"姓名": "买买提·吐尔逊\t\\N", "备注": 'a "b"\nc'},
     "name": "买买提·吐尔逊", "id_number": "65312119850304011X", "birth_date": date(1985, 3, 4), "flags": None,
     "text": "\\.\r\n"},
    {"kind": "text", "locator": {}, "raw": {}, "name": None, "id_number": None, "birth_date": None,
     "flags": ["id_pattern"], "text": None},
]
COLUMNS = ("file_id", "kind", "locator", "raw", "name", "id_number", "birth_date", "flags", "text")


def stored(conn, file_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    r = schema.record
    cols = [r.c[c] for c in COLUMNS if c != "file_id"]
    as_text = [cast(r.c[c], Text) if c in ("locator", "raw", "flags") else r.c[c] for c in COLUMNS if c != "file_id"]
    return [tuple(x) for x in conn.execute(select(*cols, *as_text).where(r.c.file_id == file_id).order_by(r.c.id))]


def test_insert_rows_writes_what_sqlalchemy_writes(new_store: Callable[[], str]) -> None:
    engine = open_engine(new_store(), create=True)
    with engine.begin() as conn:
        a, b = (conn.execute(schema.source_file.insert().values({**FILE, "path": p})).inserted_primary_key[0]
                for p in ("a.xlsx", "b.xlsx"))
        conn.execute(schema.record.insert(), [{"file_id": a, **rec} for rec in RECORDS])
        n = insert_rows(conn, schema.record, COLUMNS, [(b, *(rec[c] for c in COLUMNS[1:])) for rec in RECORDS])
    assert n == len(RECORDS)
    with engine.connect() as conn:
        ours, theirs = stored(conn, b), stored(conn, a)
    assert ours == theirs
    # (kind, locator, raw, name, id_number, birth_date, flags, text), then the same with JSON as text
    assert ours[0][1:3] == (RECORDS[0]["locator"], RECORDS[0]["raw"])
    assert ours[0][5] == date(1985, 3, 4) and ours[0][7] == "\\.\r\n"
    assert ours[1][6] == ["id_pattern"]
    assert ours[0][14] == "null"  # a None in a JSON column is JSON null, as SQLAlchemy stores it


def test_insert_rows_takes_iso_dates_and_ids_in_order(new_store: Callable[[], str]) -> None:
    """Dates as ISO text (as read back from SQLite) are stored as dates; ids come from the
    sequence in row order, so a caller may read its rows back by id."""
    engine = open_engine(new_store(), create=True)
    rows = [(f"p{k:03d}", None, f"名{k}", "1990-01-0" + str(k % 9 + 1), k) for k in range(300)]
    with engine.begin() as conn:
        insert_rows(conn, schema.person, ("id", "id_number", "name", "birth_date", "records"), rows)
        f = conn.execute(schema.source_file.insert().values(FILE)).inserted_primary_key[0]
        insert_rows(conn, schema.text_block, ("file_id", "kind", "locator", "text", "tokens"),
                    [(f, "paragraph", {"paragraph": k}, f"第{k}段", "") for k in range(50)])
    p = schema.person
    with engine.connect() as conn:
        got = conn.execute(select(p.c.id, cast(p.c.birth_date, String), p.c.records).order_by(p.c.id)).all()
        blocks = conn.execute(select(schema.text_block.c.text).order_by(schema.text_block.c.id)).scalars().all()
    assert [tuple(g) for g in got] == [(r[0], r[3], r[4]) for r in rows]
    assert blocks == [f"第{k}段" for k in range(50)]


@pytest.mark.parametrize("readers_wait", [False, True])
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_refill_replaces_the_rows_and_keeps_the_indexes(new_store: Callable[[], str], readers_wait: bool) -> None:
    engine = open_engine(new_store(), create=True)
    nk = schema.name_key
    with engine.begin() as conn:
        conn.execute(schema.person.insert(), [{"id": p, "records": 1} for p in ("p1", "p2")])
        insert_rows(conn, nk, ("key", "person_id", "name"), [("old", "p1", "甲")] * 3)
    with engine.begin() as conn:
        n = refill(conn, nk, ("key", "person_id", "name"), lambda: [("k1", "p1", "甲"), ("k2", "p2", "乙")],
                   readers_wait=readers_wait)  # fmt: skip
    assert n == 2
    with engine.connect() as conn:
        assert sorted(conn.execute(select(nk.c.key, nk.c.person_id, nk.c.name))) == [("k1", "p1", "甲"), ("k2", "p2", "乙")]
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("name_key")}
    assert {str(ix.name) for ix in nk.indexes} <= indexes  # built again after the rows went in
    with engine.connect() as conn:  # and used: the same schema as before
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert [d for d in diff if "name_key" in repr(d)] == []
    with engine.begin() as conn:
        empty_table(conn, nk)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(nk)).scalar() == 0
        assert {str(ix.name) for ix in nk.indexes} <= {ix["name"] for ix in inspect(conn).get_indexes("name_key")}


def test_derived_session_lifts_row_checks_only_inside_and_integrity_still_sees_them(new_store: Callable[[], str]) -> None:
    """Inside derived_session a link to a missing person is not refused row by row (SQLite); the
    connection goes back to the pool with foreign keys on, and the ingest's integrity check
    (foreign_key_check) reports the dangling link. PostgreSQL keeps refusing it at once."""
    from sqlalchemy.exc import IntegrityError

    from izdesh.store.bulk import derived_session
    from izdesh.store.integrity import integrity_check

    engine = open_engine(new_store(), create=True)
    bad = {"kind": "relative", "src": "nobody0000a", "dst": "nobody0000b", "why": "test"}
    if engine.dialect.name == "postgresql":
        with pytest.raises(IntegrityError), engine.connect() as conn, derived_session(conn), conn.begin():
            conn.execute(schema.link.insert().values(bad))
        return
    with engine.connect() as conn:
        raw = conn.connection.driver_connection  # pragmas read outside any transaction
        with derived_session(conn, sort_threads=True):
            assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 0
            with conn.begin():
                conn.execute(schema.link.insert().values(bad))
        assert raw.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert raw.execute("PRAGMA threads").fetchone()[0] == 0
    with pytest.raises(IntegrityError), engine.begin() as conn:  # outside: refused at once
        conn.execute(schema.link.insert().values(bad))
    assert any(p.startswith("foreign_key_check: link") for p in integrity_check(engine, quick=True))
