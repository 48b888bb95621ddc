"""Claims on input files, so that several ingest workers share one store (issue 8).

A worker claims a file just before reading it: an INSERT that only one worker can win (the path
is the primary key). The claim goes away in the transaction that writes the file's results, so a
file is either claimed, done, or free. A worker killed mid-file leaves its claim behind; once older
than the timeout it is taken over by an UPDATE that, again, only one worker can win.
"""

from __future__ import annotations

import fcntl
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Engine,
    and_,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection

from izdesh.store import schema

DEFAULT_TIMEOUT = 900.0  # seconds: longer than a file may take (IZDESH_FILE_TIMEOUT, 600 s)


def claim_timeout() -> float:
    try:
        return float(os.environ.get("IZDESH_CLAIM_TIMEOUT", "") or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


def _dead_here(worker: str) -> bool:
    """A claim of a process on this machine that no longer runs (killed): no need to wait for the
    timeout. Claims of other machines only expire."""
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


# Built once: run for every group of files (building a statement cost more than running it).
_CLAIM = text("INSERT INTO claim (path, worker, at) VALUES (:path, :worker, :at) ON CONFLICT (path) DO NOTHING")
_HOLDERS = select(schema.claim.c.path, schema.claim.c.worker, schema.claim.c.at).where(
    schema.claim.c.path.in_(bindparam("paths", expanding=True))
)
_DONE = select(schema.source_file.c.path).where(schema.source_file.c.path.in_(bindparam("paths", expanding=True)))
_TAKE_OVER = (
    update(schema.claim)
    .where(schema.claim.c.path == bindparam("p"), schema.claim.c.worker == bindparam("holder"))
    .values(worker=bindparam("me"), at=bindparam("now"))
)
_RELEASE = delete(schema.claim).where(schema.claim.c.path == bindparam("path"))


class Claims:
    def __init__(self, engine: Engine, timeout: float | None = None) -> None:
        self.engine = engine
        self.timeout = timeout if timeout is not None else claim_timeout()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lost = 0  # files another live worker held when this one came to them

    def take(self, path: str) -> bool:
        """True when this worker may read `path` now."""
        return bool(self.take_many([path]))

    def take_many(self, paths: list[str]) -> list[str]:
        """Those of ``paths`` this worker may read now, in order, claimed in one transaction. On
        SQLite a claim waits for the write lock, which the writer holds while it writes a batch:
        one wait for a group of files, not one per file, keeps the readers fed."""
        now = time.time()
        with self.engine.begin() as conn:
            conn.execute(_CLAIM, [{"path": p, "worker": self.worker, "at": now} for p in paths])
            won: set[str] = set()
            for path, holder, at in conn.execute(_HOLDERS, {"paths": paths}):
                if holder == self.worker:
                    won.add(path)
                elif (at < now - self.timeout or _dead_here(holder)) and conn.execute(
                    _TAKE_OVER, {"p": path, "holder": holder, "me": self.worker, "now": now}
                ).rowcount == 1:
                    won.add(path)  # a killed worker's claim, or one older than the timeout
            self.lost += sum(1 for p in paths if p not in won)
            # Checked once the claims are held: a worker that finished a file in the meantime has
            # committed its row and dropped its claim in one transaction, so this sees it.
            done = set(conn.execute(_DONE, {"paths": sorted(won)}).scalars()) if won else set()
            for path in done:
                conn.execute(_RELEASE, {"path": path})
        return [p for p in paths if p in won and p not in done]

    @staticmethod
    def release(conn: Connection, path: str) -> None:
        """In the transaction that writes the file's results."""
        conn.execute(_RELEASE, {"path": path})

    def live_elsewhere(self) -> int:
        """Claims of other workers that are not stale: they are still at work."""
        c = schema.claim
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(c).where(and_(c.c.worker != self.worker, c.c.at >= time.time() - self.timeout))
            ).scalar_one()


LOCKS = {"derived": (7411, ".lock"), "schema": (7412, ".schema.lock")}  # advisory key, lock file suffix


@contextmanager
def derived_lock(engine: Engine, what: str = "derived") -> Iterator[None]:
    """One worker at a time rebuilds derived data (persons, links, the name index), or, with
    what="schema", creates or migrates the schema."""
    key, suffix = LOCKS[what]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text(f"SELECT pg_advisory_lock({key})"))
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text(f"SELECT pg_advisory_unlock({key})"))
                conn.commit()
        return
    db = engine.url.database or ""
    path = Path(db.removeprefix("file:").split("?")[0] + suffix)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
