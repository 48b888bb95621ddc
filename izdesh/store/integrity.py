"""The store's integrity check: `izdesh check --db DB`, and its quick form after every ingest (the
ingest summary reports its findings).

SQLite: `PRAGMA integrity_check` (b-trees, indexes, page structure) and `PRAGMA foreign_key_check`
(every reference points at a row). The quick form runs `PRAGMA quick_check`, which checks the same
b-trees and pages but not that each index holds exactly its table's rows: 4 s instead of 40 at
full scale; the rest of the check is the same. PostgreSQL keeps its own structures consistent and
enforces foreign keys as rows are written; there the check verifies that every declared foreign key is
validated (a NOT VALID constraint would leave unchecked rows) and that no index is invalid (left so
by an interrupted CREATE INDEX CONCURRENTLY). An empty list means the store is sound."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click
from sqlalchemy import Engine, text

from izdesh.store.bulk import driver_connection
from izdesh.store.db import open_engine


def integrity_check(engine: Engine, *, max_problems: int = 100, quick: bool = False) -> list[str]:
    if engine.dialect.name == "sqlite":
        # The page check and the reference checks run at once, each on a connection of its own:
        # SQLite does both in C without the GIL (full scale, 2 cores: 10 s one after the other).
        with ThreadPoolExecutor(2, thread_name_prefix="izdesh-check") as pool:
            pages = pool.submit(_sqlite_pages, engine, max_problems, quick)
            references = pool.submit(_sqlite_references, engine, max_problems)
            problems = pages.result() + references.result()
        return problems[:max_problems]
    problems = []
    with engine.connect() as conn:
        for name, table in conn.execute(text(
            "SELECT conname, conrelid::regclass::text FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = current_schema() AND c.contype = 'f' AND NOT c.convalidated"
        )):
            problems.append(f"foreign key {name} on {table} is not validated")
        for (name,) in conn.execute(text(
            "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND NOT (i.indisvalid AND i.indisready)"
        )):
            problems.append(f"index {name} is invalid")
        problems.extend(_person_pointers(conn.exec_driver_sql))
    return problems[:max_problems]


def _sqlite_pages(engine: Engine, max_problems: int, quick: bool) -> list[str]:
    pragma = "quick_check" if quick else "integrity_check"
    with engine.connect() as conn:
        rows = driver_connection(conn).execute(f"PRAGMA {pragma}({int(max_problems)})")
        return [f"{pragma}: {msg}" for (msg,) in rows if msg != "ok"]


def _sqlite_references(engine: Engine, max_problems: int) -> list[str]:
    problems: list[str] = []
    with engine.connect() as conn:
        for table, rowid, parent, fk in driver_connection(conn).execute("PRAGMA foreign_key_check"):
            problems.append(f"foreign_key_check: {table} row {rowid} points at a missing {parent} (key {fk})")
            if len(problems) >= max_problems:
                break
        problems.extend(_person_pointers(lambda sql: driver_connection(conn).execute(sql)))
    return problems


def _person_pointers(query: Callable[[str], Any]) -> list[str]:
    """record.person_id is no foreign key (the ingest writes it before the person exists): once
    persons are built, each must point at one. ``query`` runs SQL: on SQLite through the driver's
    connection, as a check only reads (see ``driver_connection``)."""
    stale = query("SELECT value FROM meta WHERE key = 'derived_stale'").fetchone()
    if stale and stale[0] == "1":  # an ingest still at work, or killed: not built yet
        return []
    (n,) = query(
        "SELECT count(*) FROM record r WHERE r.person_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM person p WHERE p.id = r.person_id)"
    ).fetchone()
    return [f"record.person_id: {n} record(s) point at no person"] if n else []


@click.command("check")
@click.option("--db", required=True, help="The store: a SQLite file or a postgresql:// URL.")
@click.option("--quick", is_flag=True, help="SQLite: PRAGMA quick_check (indexes not matched to their tables).")
@click.option("--json", "as_json", is_flag=True, help='{"problems": [...]} on stdout.')
def check_command(db: str, quick: bool, as_json: bool) -> None:
    """The store's integrity check; exit code 1 when it finds problems."""
    problems = integrity_check(open_engine(db, readonly=True), quick=quick)
    if as_json:
        click.echo(json.dumps({"problems": problems}, ensure_ascii=False))
    else:
        for p in problems:
            click.echo(p)
        click.echo(f"{len(problems)} problem(s)", err=True)
    if problems:
        raise SystemExit(1)
