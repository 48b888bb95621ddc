"""The store's integrity check, run after an ingest (the ingest summary reports its findings).

SQLite: `PRAGMA integrity_check` (b-trees, indexes, page structure) and `PRAGMA foreign_key_check`
(every reference points at a row). PostgreSQL keeps its own structures consistent and enforces
foreign keys as rows are written; there the check verifies that every declared foreign key is
validated (a NOT VALID constraint would leave unchecked rows) and that no index is invalid (left so
by an interrupted CREATE INDEX CONCURRENTLY). An empty list means the store is sound."""

from __future__ import annotations

from sqlalchemy import Engine, text


def integrity_check(engine: Engine, *, max_problems: int = 100) -> list[str]:
    problems: list[str] = []
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for (msg,) in conn.exec_driver_sql(f"PRAGMA integrity_check({int(max_problems)})"):
                if msg != "ok":
                    problems.append(f"integrity_check: {msg}")
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                table, rowid, parent, fk = row[0], row[1], row[2], row[3]
                problems.append(f"foreign_key_check: {table} row {rowid} points at a missing {parent} (key {fk})")
                if len(problems) >= max_problems:
                    break
        else:
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
    return problems[:max_problems]
