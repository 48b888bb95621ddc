"""The name index computed on another core while persons are rebuilt (the ingest's last phases).

The persons rebuild has every person's names and birth date in memory (izdesh.identity.persons
``write_persons``): it feeds them here as it writes persons, and a child process turns them into
the index's rows (izdesh.search.index ``key_rows``, the same function the query-based rebuild
uses) in a temporary SQLite file, while the parent goes on with the relatives graph. Afterwards the
parent only copies the file into name_key (``fill``). The child is spawned, not forked: a fork of
the 1.7 GB rebuilding process would show the parent's pages as its own, and its copy-on-write
faults would cost real memory.

If the child fails (crash, killed, wrong row count) ``fill`` falls back to
``rebuild_name_index``, which reads the same pairs from the store: the index is never half filled.
The temporary file is removed in every case (``__exit__``)."""

from __future__ import annotations

import glob
import multiprocessing as mp
import os
import resource
import sqlite3
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine

from izdesh.gcpolicy import sparse_collection
from izdesh.search.index import (
    KEY_COLUMNS,
    ROWS_TABLE,
    fill_name_index,
    key_rows,
    rebuild_name_index,
)

# A person id, the distinct non-empty names its records give and its birth year.
NameEntry = tuple[str, tuple[str, ...], int | None]


class NameIndexChild:
    """``feed`` entries (in chunks), ``close`` once all are fed, then ``fill``. Use as a context
    manager: leaving it stops the child and removes the file."""

    def __init__(self) -> None:
        _remove_orphans()
        fd, self.path = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=".sqlite")
        os.close(fd)
        ctx = mp.get_context("spawn")
        self.conn, child_end = ctx.Pipe()
        # Daemonic: stopped at the parent's exit, whatever the parent was doing.
        self.proc = ctx.Process(target=_child, args=(child_end, self.path), name="izdesh-name-index", daemon=True)
        self.failed: str | None = None
        self.closed = False
        try:
            self.proc.start()  # spawned now: its interpreter starts while the parent loads and links
        except (OSError, AssertionError) as e:  # no process to spare, or a daemonic parent
            self.failed = f"not started ({e!r})"
        child_end.close()
        self.stats: dict[str, Any] = {}  # the child's own figures (rows, cpu, peak RSS)

    def feed(self, entries: list[NameEntry]) -> None:
        self._send(entries)

    def close(self) -> None:
        """All entries are fed: the child starts computing."""
        if not self.closed:
            self.closed = True
            self._send(None)

    def _send(self, msg: list[NameEntry] | None) -> None:
        if self.failed is None:
            try:
                self.conn.send(msg)  # blocks only while the child takes it off the pipe
            except (OSError, ValueError) as e:  # the child is gone; the fallback will do
                self.failed = f"child unreachable ({e!r})"

    def fill(self, engine: Engine) -> int:
        """name_key from the child's rows; from the store's records if the child failed."""
        self.close()  # if the rebuild did not (it always does): the child would wait for ever
        if self.failed is None:
            self._wait()
        if self.failed is None:
            try:
                return fill_name_index(engine, self.path, int(self.stats["rows"]))
            except Exception as e:  # noqa: BLE001 - anything wrong with the file: the fallback
                self.failed = f"its rows could not be copied ({e!r})"
        print(f"izdesh: name index child failed: {self.failed}; rebuilding the index from the records", file=sys.stderr)
        return rebuild_name_index(engine)

    def _wait(self) -> None:
        mp_wait([self.conn, self.proc.sentinel])  # its answer, or its death
        try:
            msg = self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):
            msg = None
        self.proc.join()
        if not (isinstance(msg, dict) and msg.get("ok")):
            why = msg.get("error") if isinstance(msg, dict) else None
            self.failed = why or f"exit code {self.proc.exitcode}"
        else:
            self.stats = msg

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        if self.proc.pid is not None:  # started
            self.proc.join()
            self.proc.close()
        self.conn.close()
        _remove(self.path)


PREFIX = "izdesh-names-"  # then the parent's pid: izdesh-names-<pid>-<random>.sqlite


def _remove(path: str) -> None:
    for suffix in ("", "-journal"):
        try:
            os.unlink(path + suffix)
        except FileNotFoundError:
            pass


def _remove_orphans() -> None:
    """Files of ingests killed outright (SIGKILL of the process group: no cleanup ran), found by
    their dead parent's pid."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"{PREFIX}*-*.sqlite")):
        pid = os.path.basename(path)[len(PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _remove(path)
        except PermissionError:  # alive, another user's
            pass


def _child(conn: Connection, path: str) -> None:
    sparse_collection()  # izdesh.gcpolicy: the names taken, all alive until written
    try:
        chunks: deque[list[NameEntry]] = deque()
        # Everything is taken off the pipe first, so the parent never waits while keys are computed.
        while (chunk := conn.recv()) is not None:
            chunks.append(chunk)

        def names() -> Iterator[tuple[str, str, int | None]]:
            while chunks:  # each chunk freed once its rows are written
                for pid, person_names, year in chunks.popleft():
                    for name in person_names:
                        yield pid, name, year

        rows = write_rows(path, names())
        usage = resource.getrusage(resource.RUSAGE_SELF)
        conn.send({"ok": True, "rows": rows, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss // 1024})
    except BaseException:  # noqa: BLE001 - told to the parent, then raised again
        _remove(path)  # the parent falls back (or is gone): the file is nobody's
        try:
            conn.send({"ok": False, "error": traceback.format_exc(limit=3)})
        finally:
            raise


def write_rows(path: str, names: Iterator[tuple[str, str, int | None]]) -> int:
    """The index's rows for ``names`` into a new SQLite file, fast: no journal, no sync (a file
    cut short is never read: its writer's count is checked), no index."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute(f"CREATE TABLE {ROWS_TABLE} ({', '.join(f'{c} TEXT NOT NULL' for c in KEY_COLUMNS)})")
        db.execute("BEGIN")
        cur = db.executemany(f"INSERT INTO {ROWS_TABLE} VALUES (?, ?, ?)", key_rows(names))
        n = cur.rowcount
        db.execute("COMMIT")
        return n
    finally:
        db.close()
