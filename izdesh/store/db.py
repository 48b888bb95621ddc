"""Opening a store: a SQLite file (the embedded default) or a PostgreSQL URL, same schema."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError

from izdesh.store import schema


class StoreError(Exception):
    """The store cannot be opened or is not an Izdesh store."""


def engine_url(db: str) -> str:
    """`--db` takes a SQLite path or a postgresql:// URL (CLI.md)."""
    if db.startswith(("postgresql://", "postgresql+", "sqlite:")):
        return db.replace("postgresql://", "postgresql+psycopg://", 1) if db.startswith("postgresql://") else db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def open_engine(db: str, *, readonly: bool = False, create: bool = False) -> Engine:
    url = engine_url(db)
    if url.startswith("sqlite:"):
        path = Path(url.removeprefix("sqlite:///"))
        if not create and not path.exists():
            raise StoreError(f"{db}: no such store (run `izdesh ingest ... --db {db}` first)")
        if readonly:
            # A read-only URI: a web node can never write the file it serves.
            engine = create_engine(
                f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"check_same_thread": False}
            )
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            if not readonly:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")  # several ingest workers take turns writing
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()
            # pysqlite's own transaction handling leaves DDL outside transactions (a migration
            # killed halfway would stay half done); let SQLAlchemy issue BEGIN itself instead.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:  # type: ignore[no-untyped-def]
            # IMMEDIATE: a writer takes the write lock up front and waits its turn (busy_timeout),
            # instead of failing when it upgrades a read to a write beside another worker.
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    else:
        # A read-only session on PostgreSQL too: web nodes (and read replicas) never write.
        args = {"options": "-c default_transaction_read_only=on"} if readonly else {}
        # Readers: autocommit, so a lookup is one round trip, not BEGIN, query and ROLLBACK (an ID
        # search is a single indexed read).
        more = {"isolation_level": "AUTOCOMMIT"} if readonly else {}
        engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=args, **more)
        if readonly:
            _ping_when_idle(engine)
    if create:
        from izdesh.ingest.claims import derived_lock

        with derived_lock(engine, "schema"):  # workers starting together on a new store: one migrates
            migrate(engine)
            with engine.begin() as conn:
                _init_meta(conn)
    return engine


IDLE_PING_S = 10.0  # a pooled reader connection idle this long is checked before use


def _ping_when_idle(engine: Engine) -> None:
    """Web nodes' pooled connections outlive server restarts and failovers: one idle for a while is
    pinged before use and replaced if dead. Not every checkout, as SQLAlchemy's pool_pre_ping does:
    that doubles the round trips of a search (an ID lookup is one), and on a busy machine each round
    trip waits for the server process to be scheduled (ID search p50 0.9 ms unpinged, 8 ms pinged,
    at a load average of 20 on 2 cores)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_S:
            return
        try:
            dbapi_conn.execute("SELECT 1")
        except Exception as exc:  # the pool drops this connection and checks out a fresh one
            raise DisconnectionError() from exc


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (Alembic; the same revisions for both engines).
    Cheap when it is current: Alembic reads one row and stops."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _init_meta(conn: Connection) -> None:
    have = dict(conn.execute(select(schema.meta.c.key, schema.meta.c.value)).all())
    rows = []
    if "schema_version" not in have:
        rows.append({"key": "schema_version", "value": str(schema.SCHEMA_VERSION)})
    if "person_key" not in have:
        # Per-store secret behind the opaque person ids (see identity.persons.person_key).
        rows.append({"key": "person_key", "value": secrets.token_hex(16)})
    if rows:
        conn.execute(schema.meta.insert(), rows)


def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == key)).scalar()


def set_meta(conn: Connection, key: str, value: str) -> None:
    # One upsert (SQLite and PostgreSQL alike): ingest workers starting together set the same key,
    # and a delete then insert lets two of them insert it on PostgreSQL.
    conn.execute(
        text("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        {"k": key, "v": value},
    )
