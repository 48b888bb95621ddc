"""Several ingest workers on one store (issue 8): no file read twice, the same store as one worker,
a dead worker's claims taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from izdesh.generate.leak import generate
from izdesh.ingest.claims import Claims
from izdesh.store import schema
from izdesh.store.db import open_engine
from izdesh.store.digest import content

ENV = {**os.environ, "IZDESH_OCR": "0"}


def cmd(leak: Path, db: str, workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "izdesh.cli", "ingest", str(leak), "--exclude", "truth/*", "--db", db,
            "--workers", str(workers), "--quiet"]


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("workers") / "leak"
    generate(out, persons=1500, seed=33, progress=False)
    return out


def test_two_workers_at_once_equal_one(leak: Path, new_store: Callable[[], str]) -> None:
    single, shared = new_store(), new_store()
    subprocess.run(cmd(leak, single, workers=2), env=ENV, check=True, capture_output=True)
    open_engine(shared, create=True).dispose()  # the schema exists before the workers start
    procs = [subprocess.Popen(cmd(leak, shared), env=ENV, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errs = [p.communicate(timeout=600)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    # Both workers did some of the work: each met files the other was reading.
    assert all("files read" in e for e in errs)
    a, b = content(open_engine(single, readonly=True)), content(open_engine(shared, readonly=True))
    for table in a:
        assert a[table] == b[table], table
    with open_engine(shared, readonly=True).connect() as conn:
        assert conn.execute(select(schema.claim)).all() == []  # every claim released


def test_a_killed_workers_claims_are_taken_over(leak: Path, new_store: Callable[[], str]) -> None:
    single, db = new_store(), new_store()
    subprocess.run(cmd(leak, single), env=ENV, check=True, capture_output=True)
    proc = subprocess.Popen(cmd(leak, db), env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = open_engine(db, create=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # kill it while it holds a claim
        with engine.connect() as conn:
            if conn.execute(select(schema.claim)).first() is not None:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    subprocess.run(cmd(leak, db), env=ENV, check=True, capture_output=True)
    a, b = content(open_engine(single, readonly=True)), content(open_engine(db, readonly=True))
    for table in a:
        assert a[table] == b[table], table


def test_claims_of_other_machines_expire(new_store: Callable[[], str]) -> None:
    engine = open_engine(new_store(), create=True)
    with engine.begin() as conn:
        conn.execute(schema.claim.insert(), [
            {"path": "fresh.xlsx", "worker": "elsewhere:1:x", "at": time.time()},
            {"path": "stale.xlsx", "worker": "elsewhere:2:y", "at": time.time() - 3600},
        ])
    claims = Claims(engine, timeout=600)
    assert claims.take("new.xlsx")
    assert not claims.take("fresh.xlsx") and claims.lost == 1
    assert claims.take("stale.xlsx")
    assert claims.live_elsewhere() == 1


def test_a_group_of_files_is_claimed_in_one_go(new_store: Callable[[], str]) -> None:
    """The reader pool claims files by the group (one wait for the write lock): each file of the
    group gets the fate it would get alone."""
    engine = open_engine(new_store(), create=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead = f"{os.uname().nodename}:{gone.stdout.strip()}:z"  # a process of this machine that has ended
    with engine.begin() as conn:
        conn.execute(schema.claim.insert(), [
            {"path": "fresh.xlsx", "worker": "elsewhere:1:x", "at": time.time()},
            {"path": "stale.xlsx", "worker": "elsewhere:2:y", "at": time.time() - 3600},
            {"path": "killed.xlsx", "worker": dead, "at": time.time()},
        ])  # fmt: skip
        conn.execute(schema.source_file.insert().values(path="done.xlsx", sha256="0" * 64, size=1, type="xlsx",
                                                        status="ok", records=0))  # fmt: skip
    claims = Claims(engine, timeout=600)
    group = ["b.xlsx", "fresh.xlsx", "done.xlsx", "stale.xlsx", "killed.xlsx", "a.xlsx"]
    assert claims.take_many(group) == ["b.xlsx", "stale.xlsx", "killed.xlsx", "a.xlsx"]
    assert claims.lost == 1
    with engine.connect() as conn:
        held = dict(conn.execute(select(schema.claim.c.path, schema.claim.c.worker)).all())
    assert held == {"fresh.xlsx": "elsewhere:1:x", **{p: claims.worker for p in ("a.xlsx", "b.xlsx", "stale.xlsx", "killed.xlsx")}}
    assert claims.take_many(["a.xlsx"]) == ["a.xlsx"]  # a claim of its own is kept
