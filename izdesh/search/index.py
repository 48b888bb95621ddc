"""The name index: every Chinese-character name a person is written with, under its cross-script
phonetic keys (izdesh.names), so a query in any script finds candidates by key intersection.
Whole-name keys are also written with the person's birth year (y:<year>:...), so that a query
that carries a year reads only that year's namesakes instead of every holder of the name.

Two ways in, one set of rows (``key_rows``): ``rebuild_name_index`` reads the (person, name, birth
date) pairs from the store; the ingest computes the same rows in a child process from the persons
rebuild's memory (izdesh.search.index_child) and copies them in with ``fill_name_index``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing

from sqlalchemy import Engine, select

from izdesh.names import keys_for_chinese
from izdesh.names.keys import year_keys
from izdesh.store import schema
from izdesh.store.bulk import derived_session, driver_connection, empty_table, refill

KEY_COLUMNS = ("key", "person_id", "name")
ROWS_TABLE = "name_rows"  # the table of a rows file (fill_name_index): KEY_COLUMNS, no index


def clear_name_index(engine: Engine) -> None:
    with engine.begin() as conn:
        empty_table(conn, schema.name_key)


def rebuild_name_index(engine: Engine) -> int:
    """Index the names of all persons; returns the number of keys written."""
    r, p, nk = schema.record, schema.person, schema.name_key
    with engine.begin() as conn:
        def rows() -> Iterator[tuple[str, str, str]]:  # the query runs here, before the COPY starts
            # Iterated, not fetched into a list, with each person's birth date joined in: 1.7
            # million (person, name) pairs held in lists cost 300 MB at the ingest's peak. SQLite
            # steps the query as rows are taken; psycopg has the result in hand (a server-side
            # cursor could not be read while the COPY below holds the connection).
            names = conn.execute(
                select(r.c.person_id, r.c.name, p.c.birth_date)
                .join(p, p.c.id == r.c.person_id)
                .where(r.c.name.is_not(None))
                .union(select(p.c.id, p.c.name, p.c.birth_date).where(p.c.name.is_not(None)))
            )
            return key_rows((person_id, name, born.year if born else None) for person_id, name, born in names)

        written = refill(conn, nk, KEY_COLUMNS, rows, readers_wait=True)  # emptied since the rebuild began
    return written


def key_rows(names: Iterable[tuple[str, str, int | None]]) -> Iterator[tuple[str, str, str]]:
    """The index's rows (key, person id, name) for distinct (person id, name, birth year)."""
    for person_id, name, year in names:
        keys = keys_for_chinese(name)
        for key in keys:
            yield key, person_id, name
        if year is not None:
            for key in year_keys(keys, year):
                yield key, person_id, name


def fill_name_index(engine: Engine, path: str, expected: int) -> int:
    """Replace name_key by the rows of the SQLite file ``path`` (table ROWS_TABLE); returns how
    many. Raises, leaving name_key as it was, unless exactly ``expected`` rows went in."""
    nk = schema.name_key
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn, closing(sqlite3.connect(path)) as src:
            n = refill(conn, nk, KEY_COLUMNS, lambda: src.execute(f"SELECT {', '.join(KEY_COLUMNS)} FROM {ROWS_TABLE}"),
                       readers_wait=True)  # fmt: skip
            _check(n, expected)
        return n
    # SQLite copies table to table itself (no row crosses into Python) from the ATTACHed file;
    # ATTACH works only outside a transaction, on the driver's connection before BEGIN. The rows'
    # person ids are those of the persons the rebuild just committed, under the derived lock
    # (derived_session: no foreign key lookups, 2.6 of the copy's 3.6 s at full scale). The
    # indexes' sorts in helper threads: the other core is idle by now and the rebuild's memory
    # given back (full scale: 7.5 s instead of 9.3 for the three indexes).
    with engine.connect() as conn, derived_session(conn, sort_threads=True):
        raw = driver_connection(conn)
        raw.execute("ATTACH DATABASE ? AS izdesh_rows", (path,))
        try:
            with conn.begin():
                empty_table(conn, nk, indexes=False)  # as refill (izdesh.store.bulk): rows, then indexes
                cols = ", ".join(KEY_COLUMNS)
                n = conn.exec_driver_sql(f"INSERT INTO name_key ({cols}) SELECT {cols} FROM izdesh_rows.{ROWS_TABLE}").rowcount
                _check(n, expected)
                for ix in sorted(nk.indexes, key=lambda i: str(i.name)):
                    ix.create(conn)
        finally:
            raw.execute("DETACH DATABASE izdesh_rows")
    return n


def _check(n: int, expected: int) -> None:
    if n != expected:
        raise RuntimeError(f"name index file holds {n} rows, its writer wrote {expected}")
