"""Ingest workers started together on a new, empty store (issue 8): one creates the schema, the
others wait for it; meta keys they all set are upserts, not a delete and an insert that race."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from sqlalchemy import func, select

from izdesh.store import schema
from izdesh.store.db import open_engine

START = """
import sys
from izdesh.store.db import open_engine, set_meta
engine = open_engine(sys.argv[1], create=True)
for _ in range(20):
    with engine.begin() as conn:
        set_meta(conn, "derived_stale", "1")
"""


def test_workers_starting_together_on_a_new_store(new_store: Callable[[], str]) -> None:
    db = new_store()
    procs = [subprocess.Popen([sys.executable, "-c", START, db], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errs
    m = schema.meta
    with open_engine(db, readonly=True).connect() as conn:
        keys = dict(conn.execute(select(m.c.key, func.count()).group_by(m.c.key)).all())
        assert conn.execute(select(m.c.value).where(m.c.key == "derived_stale")).scalar() == "1"
    assert keys["schema_version"] == keys["person_key"] == keys["derived_stale"] == 1
