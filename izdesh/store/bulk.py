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

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Date, DateTime, Table
from sqlalchemy.engine import Connection

CHUNK = 20_000  # rows per executemany on SQLite (bounded memory for the parameter list)


def _iso_or(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: v if v is None or isinstance(v, str) else f(v)


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    d = conn.dialect
    out: list[Callable[[Any], Any] | None] = []
    for c in columns:
        t = table.c[c].type
        p: Callable[[Any], Any] | None = t.dialect_impl(d).bind_processor(d)
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
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
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
