"""The name index computed in a child process while persons are rebuilt
(izdesh.search.index_child) holds exactly the rows the query-based ``rebuild_name_index`` writes,
on both engines; a child that dies or fails leaves the fallback's rows, never a partial index, and
no temporary file behind."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from izdesh.identity.persons import rebuild_persons
from izdesh.search.index import clear_name_index, fill_name_index, rebuild_name_index
from izdesh.search.index_child import NameIndexChild, write_rows
from izdesh.store import schema
from izdesh.store.db import open_engine

Rows = list[tuple[str, str, str]]


def _rows(engine: Engine) -> Rows:
    nk = schema.name_key
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(nk.c.key, nk.c.person_id, nk.c.name)))


@pytest.fixture(scope="module")
def ingested(demo_leak: Path, new_store: Callable[[], str]) -> tuple[Engine, Rows, Rows, Rows]:
    """The demo leak ingested (the pipeline takes the child's rows), persons and the index rebuilt
    through a child seen to succeed, then the index rebuilt by the query: (engine, the ingest's
    rows, the child's rows, the query's rows)."""
    from izdesh.ingest.pipeline import ingest

    db = new_store()
    ingest([demo_leak], db, workers=2, progress=False, exclude=("truth/*",))
    engine = open_engine(db)
    by_ingest = _rows(engine)
    with NameIndexChild() as job:
        clear_name_index(engine)
        rebuild_persons(engine, names=job)
        n = job.fill(engine)
        assert job.failed is None and n == job.stats["rows"] > 0 and job.stats["peak_rss_mib"] > 0
    by_child = _rows(engine)
    rebuild_name_index(engine)
    return engine, by_ingest, by_child, _rows(engine)


def test_child_rows_equal_query_rows(ingested: tuple[Engine, Rows, Rows, Rows]) -> None:
    _, by_ingest, by_child, by_query = ingested
    assert by_child == by_query
    assert by_ingest == by_query
    # Not a trivial equality: year keys, persons written with several names, persons without a birth year.
    assert any(k.startswith("y:") for k, _, _ in by_query)
    names: dict[str, set[str]] = {}
    for _, pid, name in by_query:
        names.setdefault(pid, set()).add(name)
    assert sum(len(v) > 1 for v in names.values()) > 10
    assert {pid for k, pid, _ in by_query if k.startswith("w:")} - {pid for k, pid, _ in by_query if k.startswith("y:")}


def _rebuild_with(engine: Engine, job: NameIndexChild, before: Callable[[], None] = lambda: None) -> int:
    clear_name_index(engine)
    before()
    rebuild_persons(engine, names=job)
    return job.fill(engine)


def test_killed_child_falls_back(ingested: tuple[Engine, Rows, Rows, Rows], capsys: pytest.CaptureFixture[str]) -> None:
    engine, _, _, by_query = ingested
    with NameIndexChild() as job:
        path = job.path

        def kill() -> None:
            job.proc.kill()  # dead before the persons rebuild feeds it: the sends fail
            job.proc.join()

        n = _rebuild_with(engine, job, kill)
    assert "rebuilding the index from the records" in capsys.readouterr().err
    assert n == len(by_query) and _rows(engine) == by_query
    assert not os.path.exists(path)


def test_child_killed_after_feeding_falls_back(ingested: tuple[Engine, Rows, Rows, Rows], capsys: pytest.CaptureFixture[str]) -> None:
    engine, _, _, by_query = ingested
    with NameIndexChild() as job:
        path = job.path
        clear_name_index(engine)
        rebuild_persons(engine, names=job)
        job.proc.kill()
        n = job.fill(engine)
    assert "name index child failed" in capsys.readouterr().err
    assert n == len(by_query) and _rows(engine) == by_query
    assert not os.path.exists(path)


def test_failing_child_falls_back(ingested: tuple[Engine, Rows, Rows, Rows], capsys: pytest.CaptureFixture[str]) -> None:
    engine, _, _, by_query = ingested
    with NameIndexChild() as job:
        path = job.path
        n = _rebuild_with(engine, job, lambda: job.feed([("nobody", (123,), None)]))  # type: ignore[list-item]
    err = capsys.readouterr().err
    assert "TypeError" in err and "rebuilding the index from the records" in err
    assert n == len(by_query) and _rows(engine) == by_query
    assert not os.path.exists(path)


def test_short_file_leaves_index_untouched(ingested: tuple[Engine, Rows, Rows, Rows], tmp_path: Path) -> None:
    """A rows file that does not hold what its writer counted is refused before commit."""
    engine, _, _, by_query = ingested
    path = str(tmp_path / "rows.sqlite")
    some = [(pid, name, None) for _, pid, name in by_query[:50]]
    written = write_rows(path, iter(some))
    with pytest.raises(RuntimeError, match="rows"):
        fill_name_index(engine, path, written + 1)
    assert _rows(engine) == by_query
    with engine.connect() as conn:  # SQLite: the file is detached again (the pool keeps the connection)
        if conn.dialect.name == "sqlite":
            assert [r[1] for r in conn.exec_driver_sql("PRAGMA database_list")] == ["main"]
        assert conn.execute(select(func.count()).select_from(schema.name_key)).scalar() == len(by_query)


def test_files_of_killed_ingests_are_removed() -> None:
    """An ingest killed with its child (SIGKILL of the group) leaves its file: the next one
    removes the files whose parent is dead, and no other."""
    import subprocess
    import sys
    import tempfile

    from izdesh.search.index_child import PREFIX

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    orphan = os.path.join(tempfile.gettempdir(), f"{PREFIX}{int(dead.stdout)}-test.sqlite")
    alive = os.path.join(tempfile.gettempdir(), f"{PREFIX}{os.getppid()}-test.sqlite")
    for path in (orphan, alive):
        Path(path).write_bytes(b"")
    try:
        with NameIndexChild() as job:
            job.close()
        assert not os.path.exists(orphan) and os.path.exists(alive)
    finally:
        for path in (orphan, alive):
            Path(path).unlink(missing_ok=True)
