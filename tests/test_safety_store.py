"""Reliability: the served store is read-only (both engines), backups are consistent copies taken
while serving, and the integrity check finds damage."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from izdesh.store import schema
from izdesh.store.backup import backup, backup_command
from izdesh.store.db import open_engine
from izdesh.store.integrity import check_command, integrity_check
from izdesh.web.app import create_app
from tests.conftest import PEOPLE


def test_the_served_store_cannot_be_written(small_db: str) -> None:
    engine = open_engine(small_db, readonly=True)  # what create_app opens
    for sql in ("DELETE FROM person", "UPDATE meta SET value = 'x'", "CREATE TABLE evil (x INTEGER)"):
        with pytest.raises(DBAPIError):
            with engine.begin() as conn:
                conn.execute(text(sql))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM person")).scalar()
    # and the app still answers after the attempts
    c = TestClient(create_app(small_db, rate="0"))
    assert PEOPLE[0][0] in c.post("/search", data={"q": PEOPLE[0][1]}).text


def test_the_apps_own_engine_is_read_only(small_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import izdesh.web.app as web

    seen = []
    real = web.open_engine
    monkeypatch.setattr(web, "open_engine", lambda db, **kw: seen.append(real(db, **kw)) or seen[-1])
    create_app(small_db, rate="0")
    with pytest.raises(DBAPIError):
        with seen[0].begin() as conn:
            conn.execute(schema.meta.insert().values(key="written", value="by the web"))


def test_integrity_check_is_clean_after_ingest(small_db: str) -> None:
    assert integrity_check(open_engine(small_db, readonly=True)) == []
    from click.testing import CliRunner

    r = CliRunner().invoke(check_command, ["--db", small_db, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout) == {"problems": []}


def test_backup_while_serving(small_db: str, tmp_path: Path) -> None:
    if small_db.startswith("postgresql") and shutil.which("pg_dump") is None:
        pytest.skip("no pg_dump")
    c = TestClient(create_app(small_db, rate="0"))
    stop = threading.Event()
    errors: list[int] = []

    def serve() -> None:
        while not stop.is_set():
            r = c.post("/api/search", json={"query": PEOPLE[0][1]})
            if r.status_code != 200:
                errors.append(r.status_code)

    t = threading.Thread(target=serve)
    t.start()
    try:
        out = backup(small_db, tmp_path / "copy.bak")
    finally:
        stop.set()
        t.join()
    assert not errors and out.stat().st_size > 0
    if small_db.startswith("postgresql"):
        assert out.read_bytes()[:5] == b"PGDMP"
        return
    copy = open_engine(str(out), readonly=True)
    assert integrity_check(copy) == []
    with copy.connect() as a, open_engine(small_db, readonly=True).connect() as b:
        for table in ("person", "record", "source_file"):
            q = text(f"SELECT count(*) FROM {table}")
            assert a.execute(q).scalar() == b.execute(q).scalar()
    assert PEOPLE[0][0] in TestClient(create_app(str(out), rate="0")).post("/search", data={"q": PEOPLE[0][1]}).text


def test_backup_command_and_damage_is_found(small_db: str, tmp_path: Path) -> None:
    if small_db.startswith("postgresql"):
        pytest.skip("damage test on SQLite files")
    from click.testing import CliRunner

    out = tmp_path / "b.sqlite"
    r = CliRunner().invoke(backup_command, ["--db", small_db, "--out", str(out)])
    assert r.exit_code == 0, r.output
    con = sqlite3.connect(out)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("UPDATE record SET file_id = 424242 WHERE id = (SELECT min(id) FROM record)")
    con.commit()
    con.close()
    problems = integrity_check(open_engine(str(out)))
    assert any("foreign_key_check" in p for p in problems)
    for quick in ([], ["--quick"]):  # the command, in both forms, finds it and fails
        r = CliRunner().invoke(check_command, ["--db", str(out), "--json", *quick])
        assert r.exit_code == 1 and any("foreign_key_check" in p for p in json.loads(r.stdout)["problems"])
    raw = bytearray(out.read_bytes())  # smash pages in the middle of the file
    mid = len(raw) // 2
    raw[mid : mid + 4096] = b"\xff" * 4096
    out.write_bytes(bytes(raw))
    try:
        problems = integrity_check(open_engine(str(out)))
    except DBAPIError:
        problems = ["unreadable"]
    assert problems
