"""An ingest killed with SIGKILL at random points and run again ends with the same store as an
uninterrupted run: nothing lost, nothing twice (issues 3 and 9)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from izdesh.generate.leak import generate
from izdesh.store.db import open_engine
from izdesh.store.digest import content

ENV = {**os.environ, "IZDESH_OCR": "0"}  # OCR is slow and beside the point here


def ingest_cmd(leak: Path, db: str) -> list[str]:
    return [sys.executable, "-m", "izdesh.cli", "ingest", str(leak), "--exclude", "truth/*", "--db", db,
            "--workers", "2", "--quiet"]


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resume") / "leak"
    generate(out, persons=1500, seed=21, progress=False)
    return out


def test_killed_runs_resume_to_the_same_store(leak: Path, new_store: Callable[[], str]) -> None:
    whole, killed = new_store(), new_store()
    t0 = time.monotonic()
    subprocess.run(ingest_cmd(leak, whole), env=ENV, check=True, capture_output=True)
    full_time = time.monotonic() - t0
    rng = random.Random(7)
    kills = 0
    for _ in range(6):  # each resumed run has less left to do: kill earlier and earlier
        proc = subprocess.Popen(ingest_cmd(leak, killed), env=ENV, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, 0.45) * full_time)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole group: pool workers die too
            kills += 1
        proc.wait()
    assert kills >= 3, "the runs finished before they could be killed: the test proves nothing"
    subprocess.run(ingest_cmd(leak, killed), env=ENV, check=True, capture_output=True)
    a, b = content(open_engine(whole, readonly=True)), content(open_engine(killed, readonly=True))
    for table in a:
        assert len(a[table]) == len(b[table]), table
        assert a[table] == b[table], table
