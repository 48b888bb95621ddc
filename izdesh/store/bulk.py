"""Many rows into one table in the caller's transaction, fast on both engines.

PostgreSQL: COPY (psycopg 3 `cursor.copy`): one stream per call instead of one statement per row,
which is what an executemany costs there (SQLAlchemy hands a plain INSERT to the driver's
executemany, which sends and executes one prepared statement per row). SQLite: the driver's
executemany, already in process.

Values pass through the column types' own bind processing (SQLAlchemy's, for the engine at hand),
so a row lands exactly as `conn.execute(table.insert(), rows)` would write it: JSON serialised the
same way, a Python None in a JSON column stored as JSON null, dates as each engine stores them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Date, DateTime, Float, Table
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateTable

CHUNK = 20_000  # rows per executemany on SQLite (bounded memory for the parameter list)


def driver_connection(conn: Connection) -> Any:
    """The driver's own connection under SQLAlchemy's. Its statements run outside SQLAlchemy's
    transaction: for what SQLite takes only there (PRAGMAs, ATTACH) and for reads that must not
    begin one (a writable store's BEGIN IMMEDIATE takes the write lock)."""
    raw = conn.connection.driver_connection
    assert raw is not None, "no driver connection: the connection is closed or invalidated"
    return raw


def _iso_or(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: v if v is None or isinstance(v, str) else f(v)


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    d = conn.dialect
    out: list[Callable[[Any], Any] | None] = []
    for c in columns:
        t = table.c[c].type
        p: Callable[[Any], Any] | None = t.dialect_impl(d).bind_processor(d)
        if isinstance(t, Float) and not t.asdecimal:
            # float() of what is a float already (scores): a tuple remade per row for nothing
            # (2.8 million links at full scale); both drivers take a float or an int as it is.
            p = None
        if p is not None and isinstance(t, (Date, DateTime)):
            # Dates may come as ISO text (as read back from SQLite), which every engine stores as is.
            p = _iso_or(p)
        out.append(p)
    return out


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert `rows` (values in the order of `columns`); returns how many. Columns left out take
    their defaults (on PostgreSQL, ids from the sequence in row order)."""
    procs = _processors(conn, table, columns)
    if any(procs):
        rows = (tuple(v if p is None else p(v) for p, v in zip(procs, r)) for r in rows)
    n = 0
    if conn.dialect.name == "postgresql":
        cols = ", ".join(f'"{c}"' for c in columns)
        cur = driver_connection(conn).cursor()
        with cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for r in rows:
                copy.write_row(r)
                n += 1
        return n
    sql = f"INSERT INTO \"{table.name}\" ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    batch: list[Sequence[Any]] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= CHUNK:
            conn.exec_driver_sql(sql, batch)
            n += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        n += len(batch)
    return n


@contextmanager
def derived_session(conn: Connection, *, sort_threads: bool = False) -> Iterator[None]:
    """The connection set for rebuilding derived tables (persons, links, the name index), around
    its transaction; enter before the first statement. On SQLite:
    - foreign keys are not enforced row by row: the derived rows point at persons and records
      the same rebuild wrote or read, and the ingest's integrity check runs foreign_key_check
      over the whole store afterwards (row by row, 2.8 million links cost 11 s of lookups of
      their persons and records at full scale);
    - ``sort_threads``: CREATE INDEX sorts in helper threads too, each with a sort buffer of its
      own (up to the page cache's size): only where memory allows (not at the rebuild's peak).
    Both pragmas take effect only outside a transaction: they are set on the driver's connection
    before SQLAlchemy's BEGIN, and reset when done. Nothing to set on PostgreSQL."""
    if conn.dialect.name != "sqlite":
        yield
        return
    assert not conn.in_transaction(), "derived_session: enter before the transaction begins"
    raw = driver_connection(conn)
    raw.execute("PRAGMA foreign_keys = OFF")
    if sort_threads:
        raw.execute(f"PRAGMA threads = {min(os.cpu_count() or 1, 4) - 1}")
    try:
        yield
    finally:
        raw.execute("PRAGMA threads = 0")
        raw.execute("PRAGMA foreign_keys = ON")


def empty_table(conn: Connection, table: Table, *, indexes: bool = True) -> None:
    """Remove every row of a derived table (one nothing references). SQLite: dropped and created
    again, far faster than deleting millions of rows from its indexes one by one; WAL readers keep
    the old table until commit. Without ``indexes`` the table comes back bare, for ``refill``.
    PostgreSQL: DELETE, whose lock lets the site's readers go on with the old rows until commit
    (TRUNCATE or DROP would block them for the whole rebuild)."""
    if conn.dialect.name != "sqlite":
        conn.execute(table.delete())
        return
    table.drop(conn)
    if indexes:
        table.create(conn)
    else:
        conn.execute(CreateTable(table))


def refill(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Callable[[], Iterable[Sequence[Any]]],
    *,
    readers_wait: bool = False,
) -> int:
    """Replace every row of a derived table by those ``rows()`` gives; returns how many. ``rows`` is
    called once the table is empty (SQLite cannot drop a table while a query streams rows on the
    same connection). On SQLite the indexes are built after the rows are in: one sort per index
    instead of a random B-tree insertion per row (2.8 million relatives: 3 times faster).
    ``readers_wait``: on PostgreSQL too, for a table whose readers may wait for the commit (the
    indexes are dropped, and DROP INDEX locks the table until then): 3 million name keys at full
    scale, 42 s instead of 57 (the rest is the foreign key's check of each row)."""
    empty_table(conn, table, indexes=False)
    after = conn.dialect.name == "sqlite" or readers_wait
    if after and conn.dialect.name != "sqlite":
        for ix in table.indexes:
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{ix.name}"')
    n = insert_rows(conn, table, columns, rows())
    if after:
        for ix in sorted(table.indexes, key=lambda i: str(i.name)):
            ix.create(conn)
    return n
