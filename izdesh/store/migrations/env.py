"""Alembic environment: migrations run on the connection izdesh.store.db.migrate() hands over,
the same way for SQLite and PostgreSQL (batch mode lets SQLite alter tables)."""

from alembic import context
from sqlalchemy import create_engine

from izdesh.store.schema import metadata

config = context.config


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:  # `alembic` run by hand with sqlalchemy.url set
        with create_engine(config.get_main_option("sqlalchemy.url") or "").connect() as conn:
            _migrate(conn)
    else:
        _migrate(conn)


def _migrate(conn) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
