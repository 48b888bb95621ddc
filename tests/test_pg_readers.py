"""Web nodes' connections to PostgreSQL (izdesh.store.db): read-only, autocommit, and still working
after the server restarts under them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from izdesh.store import db, schema
from izdesh.store.db import open_engine
from izdesh.store.pgtemp import PostgresUnavailable, TempPostgres


@pytest.fixture()
def server():  # type: ignore[no-untyped-def]
    """A server of this test's own: it is restarted."""
    try:
        pg = TempPostgres().start()
    except PostgresUnavailable as exc:  # pragma: no cover - the test command installs it
        pytest.fail(str(exc))
    yield pg
    pg.stop()


def test_readers_survive_a_server_restart(server: TempPostgres, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.create_database("store")
    open_engine(url, create=True).dispose()
    reader = open_engine(url, readonly=True)
    with reader.connect() as conn:
        assert conn.execute(select(schema.meta.c.key).where(schema.meta.c.key == "person_key")).scalar() == "person_key"
        with pytest.raises(DBAPIError):  # read only
            conn.execute(schema.meta.insert().values(key="x", value="y"))
    server.restart()  # the pooled connection is now dead
    monkeypatch.setattr(db, "IDLE_PING_S", 0.0)  # as if it had been idle long enough to be checked
    with reader.connect() as conn:
        assert conn.execute(select(schema.meta.c.key).where(schema.meta.c.key == "person_key")).scalar() == "person_key"


def test_a_reader_lookup_opens_no_transaction(server: TempPostgres) -> None:
    """Autocommit: a search's lookup is one round trip, with no BEGIN before it or ROLLBACK after."""
    url = server.create_database("store")
    open_engine(url, create=True).dispose()
    reader = open_engine(url, readonly=True)
    with reader.connect() as conn:
        conn.execute(select(schema.meta.c.key)).all()
        assert conn.connection.driver_connection.info.transaction_status.name == "IDLE"
