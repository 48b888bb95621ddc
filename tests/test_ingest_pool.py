"""The reader pool: every file comes back once, readers run at a lower priority than the writer
(the run's bottleneck without OCR), and a freed reader starts its next file before the caller
writes the results it just received."""

from __future__ import annotations

import os
from pathlib import Path

from izdesh.ingest.pipeline import WORKER_NICE, _Pool


def _files(tmp_path: Path, n: int) -> list[tuple[Path, str]]:
    out = []
    for i in range(n):
        p = tmp_path / f"f{i}.txt"
        p.write_text(f"姓名\t身份证号\n买买提{i}\t65312119900101001{i % 10}\n", encoding="utf-8")
        out.append((p, p.name))
    return out


def _pool_with(tmp_path: Path, n: int, timeout: float) -> tuple[_Pool, list[tuple[Path, str]]]:
    """A pool of 2 readers with `n` files submitted."""
    unpack = tmp_path / "unpack"
    unpack.mkdir()
    pool = _Pool(2, timeout, unpack, "secret")
    tasks = _files(tmp_path, n)
    for t in tasks:
        pool.submit(t)
    return pool, tasks


def test_pool_returns_each_file_once_from_niced_readers(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("IZDESH_OCR", "0")
    monkeypatch.delenv("IZDESH_WORKER_NICE", raising=False)
    pool, tasks = _pool_with(tmp_path, 9, 60.0)
    try:
        seen = []
        for task, res in pool.results():
            seen.append(task[1])
            assert res.path == task[1] and res.status == "ok"
            # While the caller holds these results (writing them), the readers are already busy
            # with the next files: none sits idle while files wait.
            if pool.files:
                assert not pool.idle and len(pool.busy) == pool.n
        procs = [p for p, _ in pool.idle]
        assert procs, "readers are kept for the next files"
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        for p in procs:
            assert os.getpriority(os.PRIO_PROCESS, p.pid) == min(19, mine + WORKER_NICE)
    finally:
        pool.close()
    assert sorted(seen) == sorted(t[1] for t in tasks)


def test_files_queued_behind_a_crash_or_a_hang_are_read_by_others(tmp_path: Path, monkeypatch) -> None:
    """Each reader holds two files (one read, one queued): a reader that dies or is killed for
    overrunning loses only the file it was reading; the one queued behind goes to another reader."""
    import time

    from izdesh.ingest import pipeline

    monkeypatch.setenv("IZDESH_OCR", "0")
    real = pipeline.extract

    def extract(path: Path, rel: str, **kw):  # type: ignore[no-untyped-def]
        if rel == "f1.txt":
            os._exit(3)  # a crash in a C library
        if rel == "f4.txt":
            time.sleep(30)  # a hang
        return real(path, rel, **kw)

    monkeypatch.setattr(pipeline, "extract", extract)  # the readers are forked: they run this
    pool, tasks = _pool_with(tmp_path, 10, 2.0)
    try:
        fates = {}
        for task, res in pool.results():
            assert task[1] not in fates, "each file comes back once"
            fates[task[1]] = (res.status, res.reason)
    finally:
        pool.close()
    assert fates.pop("f1.txt") == ("corrupt", "the reader crashed (exit code 3)")
    assert fates.pop("f4.txt") == ("corrupt", "timed out after 2 s")
    assert sorted(fates) == sorted(t[1] for t in tasks if t[1] not in ("f1.txt", "f4.txt"))
    assert all(status == "ok" for status, _ in fates.values())


def test_files_are_claimed_by_a_thread_of_their_own(tmp_path: Path, monkeypatch) -> None:
    """Claims are taken a group at a time outside the loop that feeds the readers: a slow claim
    (the store's write lock held by the writer) does not hold back results; files other workers
    hold are not read; a failing store stops the reading with its error."""
    import threading
    import time

    import pytest

    monkeypatch.setenv("IZDESH_OCR", "0")
    asked: list[list[str]] = []
    threads: set[str] = set()

    def claim(paths: list[str]) -> list[str]:
        asked.append(paths)
        threads.add(threading.current_thread().name)
        time.sleep(0.2)  # the writer holds the lock
        return [p for p in paths if p not in ("f3.txt", "f7.txt")]  # two held elsewhere

    unpack = tmp_path / "unpack"
    unpack.mkdir()
    pool = _Pool(2, 60.0, unpack, "secret", claim)
    tasks = _files(tmp_path, 40)
    for t in tasks:
        pool.submit(t)
    try:
        seen = [task[1] for task, _res in pool.results()]
    finally:
        pool.close()
    assert sorted(seen) == sorted(t[1] for t in tasks if t[1] not in ("f3.txt", "f7.txt"))
    assert sorted(p for group in asked for p in group) == sorted(t[1] for t in tasks)  # each asked once
    assert max(len(g) for g in asked) > 1 and threads == {"izdesh-claims"}

    def broken(paths: list[str]) -> list[str]:
        raise RuntimeError("database is locked")

    pool = _Pool(2, 60.0, unpack, "secret", broken)
    pool.submit(tasks[0])
    try:
        with pytest.raises(RuntimeError, match="database is locked"):
            list(pool.results())
    finally:
        pool.close()
