"""Migrations (Alembic, the same revisions on both engines) give exactly the schema the code
declares, and a store made at an older revision is upgraded with its rows kept."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from izdesh.store import schema
from izdesh.store.db import alembic_config, engine_url, open_engine

# SQLite cannot reflect expression indexes; the one declared (PostgreSQL's full-text index) is
# checked on PostgreSQL.
pytestmark = pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")


def test_a_new_store_has_the_declared_schema(new_store: Callable[[], str]) -> None:
    engine = open_engine(new_store(), create=True)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
        if conn.dialect.name == "postgresql":  # full-text index before any text: workers never make it
            assert conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_text_block_tsv'")).first()
    assert diff == []


def test_an_old_store_is_upgraded_with_its_rows(new_store: Callable[[], str]) -> None:
    db = new_store()
    raw = create_engine(engine_url(db))
    cfg = alembic_config()
    with raw.begin() as conn:  # the schema before record.person_id lost its foreign key
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "7c1e52a9d0b3")
        conn.execute(schema.source_file.insert().values(path="a.xlsx", sha256="0" * 64, size=1, type="xlsx",
                                                        status="ok", records=1))  # fmt: skip
        conn.execute(schema.person.insert().values(id="p1", records=1))
        conn.execute(text("INSERT INTO record (file_id, kind, locator, raw, person_id, name) "
                          "VALUES (1, 'table', '{}', '{}', 'p1', '甲')"))  # fmt: skip
    with raw.connect() as conn:
        assert any(fk["constrained_columns"] == ["person_id"] for fk in inspect(conn).get_foreign_keys("record"))
    raw.dispose()
    engine = open_engine(db, create=True)  # migrates to the newest revision
    with engine.connect() as conn:
        assert conn.execute(text("SELECT person_id, name FROM record")).all() == [("p1", "甲")]
        assert not any(fk["constrained_columns"] == ["person_id"] for fk in inspect(conn).get_foreign_keys("record"))
        assert "ix_record_person_id" in {ix["name"] for ix in inspect(conn).get_indexes("record")}
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata)
    assert diff == []
