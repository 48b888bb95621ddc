"""The ingest run: walk the inputs, skip what the store knows, extract in a process pool, write each
file with its records in one transaction (a killed run redoes at most the files in flight), then
rebuild persons."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import json
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from pathlib import Path
from typing import Any, NamedTuple

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.engine import Connection as DbConnection
from sqlalchemy.engine import CursorResult

from izdesh.docs.index import Piece, write_text
from izdesh.gcpolicy import sparse_collection, sparse_collection_while
from izdesh.identity.persons import rebuild_persons
from izdesh.ingest import ocr
from izdesh.ingest.claims import Claims, derived_lock
from izdesh.ingest.extract import FileResult, extract, sha256_of
from izdesh.ingest.readahead import read_ahead
from izdesh.ingest.rows import COLUMNS as ROW_COLUMNS
from izdesh.ingest.rows import RECORD_AS_TEXT
from izdesh.search.index import clear_name_index
from izdesh.search.index_child import NameIndexChild
from izdesh.store import schema
from izdesh.store.bulk import insert_rows
from izdesh.store.db import get_meta, open_engine, set_meta
from izdesh.store.files import remember_roots
from izdesh.store.integrity import integrity_check


@dataclass
class Summary:
    files: int = 0
    skipped: int = 0
    records: int = 0
    persons: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    elsewhere: int = 0  # files another live worker was reading when this one came to them
    deferred: bool = False  # persons not rebuilt: other workers still at work
    ocr_done: int = 0  # files whose OCR an earlier run queued (IZDESH_OCR=defer), read in this run
    integrity: list[str] = field(default_factory=list)  # problems the store's own check found
    # Where the run's time went: phase -> {"wall": s, "cpu": s of this process}. "read_write":
    # reading (in the pool) and writing, overlapped; "write": the writer's share of it.
    phases: dict[str, dict[str, float]] = field(default_factory=dict)


class _Phase:
    """Adds wall and this process's CPU seconds of a `with` block to summary.phases[name]."""

    def __init__(self, summary: Summary, name: str) -> None:
        self.summary, self.name = summary, name

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        p = self.summary.phases.setdefault(self.name, {"wall": 0.0, "cpu": 0.0})
        p["wall"] += time.perf_counter() - self.wall
        p["cpu"] += time.process_time() - self.cpu


def walk(paths: list[Path], exclude: tuple[str, ...] = ()) -> Iterator[tuple[Path, str]]:
    """(absolute path, path as stored): relative to the folder given, or the file's name.
    `exclude`: glob patterns on the stored path (e.g. "truth/*", the generator's answer key).
    Symbolic links are not followed (a leak may link outside itself); fifos and devices are skipped.
    Archive members are not walked here: the run expands them (see `_extract_all`)."""
    for root in paths:
        if root.is_file():
            yield root, root.name
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                p = Path(dirpath) / name
                rel = p.relative_to(root).as_posix()
                if p.is_file() and not p.is_symlink() and not any(fnmatch(rel, x) for x in exclude):
                    yield p, rel


def ingest(
    paths: list[Path], db: str, *, workers: int = 1, progress: bool = True, exclude: tuple[str, ...] = ()
) -> Summary:
    """Read every file under ``paths`` not yet in the store ``db`` with ``workers`` readers, write
    what they find, then rebuild persons and the name index if records changed."""
    with sparse_collection_while():  # izdesh.gcpolicy: the writer's share of the bulk work
        return _ingest(paths, db, workers=workers, progress=progress, exclude=exclude)


def _ingest(paths: list[Path], db: str, *, workers: int, progress: bool, exclude: tuple[str, ...]) -> Summary:
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
    engine = open_engine(db, create=True)
    remember_roots(engine, paths)  # the site serves photos and re-reads sheets from the originals
    summary = Summary()
    with engine.connect() as conn:
        known = set(conn.execute(select(schema.source_file.c.path)).scalars())
        secret = get_meta(conn, "person_key")
    assert secret is not None, "store without person_key (not created by open_engine)"
    claims = Claims(engine)
    todo: list[tuple[Path, str]] = []
    for abs_path, rel in walk(paths, exclude):
        if rel in known:
            summary.skipped += 1
        else:
            todo.append((abs_path, rel))

    columns = [
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} files/s"),
        TimeElapsedColumn(),
    ]
    if todo:
        # Persons and the name index are derived from all records: mark them stale before the first
        # new file lands, so a run killed before the rebuild finishes redoes it next time.
        with engine.begin() as conn:
            set_meta(conn, "derived_stale", "1")
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("ingest", total=len(todo), rate="-")
        def more(n: int) -> None:  # archive members join the run as they are found
            bar.update(task, total=(bar.tasks[0].total or 0) + n)

        with _Phase(summary, "read_write"):
            results = _extract_all(todo, workers, secret, on_more=more, claim=claims.take_many)
            if workers > 1:  # reader processes to keep busy (one reader: in this process, under SIGALRM)
                results = read_ahead(results, weight=lambda r: 1 + r.weight, limit=2 * BATCH_ROWS)
            for batch in _batches(results, batch_seconds()):
                with _Phase(summary, "write"):
                    _write_batch(engine, batch)
                for res in batch:
                    summary.files += 1
                    summary.records += len(res.rows)
                    summary.by_status[res.status] += 1
                elapsed = bar.tasks[0].elapsed or 0
                bar.update(task, advance=len(batch), rate=f"{summary.files / elapsed:.0f}" if elapsed else "-")
    if ocr.enabled() and not ocr.deferred():  # scans an earlier run queued (IZDESH_OCR=defer) are read now
        from izdesh.ingest.ocr_queue import complete

        with _Phase(summary, "ocr_queue"):
            summary.ocr_done = complete(engine, workers, progress=progress)
    summary.elsewhere = claims.lost
    if claims.live_elsewhere():
        summary.deferred = True  # other workers are still at work: the last to finish rebuilds
    else:
        rebuild_derived(engine, summary, progress)
    return finish(engine, summary)


def rebuild_derived(engine: Engine, summary: Summary, progress: bool) -> None:
    """Persons and the name index again from all records, if records changed since they were built."""
    with derived_lock(engine):
        with engine.connect() as conn:
            stale = get_meta(conn, "derived_stale") == "1"
        if stale:  # persons depend on records alone: nothing new, nothing to rebuild
            _release_memory(engine)
            # The name index's keys are computed by a child on the other core from the names the
            # persons rebuild feeds it; its own phase only copies them in.
            with NameIndexChild() as names:
                with _Phase(summary, "persons"):
                    clear_name_index(engine)
                    rebuild_persons(engine, progress=progress, names=names)
                _release_memory(engine)  # the linking's millions of objects, freed, before the next peak
                with _Phase(summary, "name_index"):
                    names.fill(engine)
            with engine.begin() as conn:
                set_meta(conn, "derived_stale", "0")
                if conn.dialect.name == "postgresql":
                    # Planner statistics for the bulk-loaded tables now, not whenever
                    # autovacuum comes round (COPY leaves them unanalysed).
                    conn.exec_driver_sql("ANALYZE")


def _release_memory(engine: Engine) -> None:
    """Give back what the reading phase no longer needs before the rebuild, the ingest's peak: the
    idle pooled connections' page caches (64 MB each on SQLite) and the heap the C allocator
    keeps after Python freed it (the unpickled results of 16,000 files)."""
    engine.dispose()  # idle connections only; the derived lock's connection stays open
    gc.collect()
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def finish(engine: Engine, summary: Summary) -> Summary:
    """The summary's count of persons and the store's quick integrity check (the full one:
    `izdesh check`)."""
    with engine.connect() as conn:
        summary.persons = conn.execute(select(func.count()).select_from(schema.person)).scalar_one()
    if summary.files or summary.ocr_done:
        with _Phase(summary, "integrity"):
            summary.integrity = integrity_check(engine, quick=True)
    if os.environ.get("IZDESH_INGEST_PHASES"):  # a file for the benchmark (bench/ingest.py)
        Path(os.environ["IZDESH_INGEST_PHASES"]).write_text(json.dumps(summary.phases), encoding="utf-8")
    return summary


FILE_TIMEOUT = 600.0  # seconds one file may take (IZDESH_FILE_TIMEOUT): a hung reader is cut off


def file_timeout() -> float:
    try:
        return float(os.environ.get("IZDESH_FILE_TIMEOUT", "") or FILE_TIMEOUT)
    except ValueError:
        return FILE_TIMEOUT


_Task = tuple[Path, str]


Claim = Callable[[list[str]], list[str]]  # stored paths -> those this worker may read (Claims.take_many)


def _claimed(claim: Claim | None, tasks: list[_Task]) -> list[_Task]:
    """Those of ``tasks`` this worker may read, in order. Top-level files are claimed just before
    they are read; archive members ("a.zip!x") belong to whoever claimed the archive."""
    top = [t[1] for t in tasks if "!" not in t[1]]
    if claim is None or not top:
        return tasks
    won = set(claim(top))
    return [t for t in tasks if "!" in t[1] or t[1] in won]


def _extract_all(
    todo: list[_Task],
    workers: int,
    secret: str,
    *,
    on_more: Callable[[int], None] | None = None,
    timeout: float | None = None,
    claim: Claim | None = None,
) -> Iterator[FileResult]:
    """Results for every file in `todo` and, recursively, for the members of the archives and the
    attachments of the mails among them (stored as "a.zip!x/y"), prepared for the writer
    (FileResult.prepare, ``secret``: the store's person_key). Members are unpacked in a
    temporary folder removed at the end. An archive's own row comes after its members' rows, so a
    run killed in between redoes the archive (re-runs skip known paths). Each file gets `timeout`
    seconds; a reader that hangs or crashes marks its file corrupt and the run goes on."""
    timeout = timeout or file_timeout()
    base = os.environ.get("IZDESH_UNPACK_DIR") or None
    with tempfile.TemporaryDirectory(prefix="izdesh-unpack-", dir=base) as tmp:
        unpack = Path(tmp)
        waiting: dict[str, list] = {}  # archive rel -> [its FileResult, members still out, parent rel]
        parent_of: dict[str, str] = {}

        notes: dict[str, str] = {}  # member rel -> what unpacking found wrong (e.g. truncated)

        def finish(res: FileResult) -> Iterator[FileResult]:
            """Yield a result, then any archive waiting only for it, up the chain."""
            note = notes.pop(res.path, None)
            if note:
                if res.status == "ok":
                    res.status = "partial"
                res.reason = f"{note}; {res.reason}" if res.reason else note
            yield res
            rel = res.path
            while rel in parent_of:
                parent = parent_of.pop(rel)
                entry = waiting[parent]
                entry[1] -= 1
                if entry[1] > 0:
                    break
                del waiting[parent]
                yield entry[0]
                rel = parent

        def fan_out(res: FileResult, queue: Callable[[_Task], None]) -> Iterator[FileResult]:
            members = res.members
            res.members = []
            if not members:
                yield from finish(res)
                return
            waiting[res.path] = [res, len(members), None]
            if on_more:
                on_more(len(members))
            for m in members:
                parent_of[m["rel"]] = res.path
                if m["path"] is None:  # a fate decided while unpacking: not read further
                    yield from finish(_member_result(m))
                else:
                    if m["status"]:
                        notes[m["rel"]] = m["reason"] or m["status"]
                    queue((Path(m["path"]), m["rel"]))

        if workers <= 1 or len(todo) < 4:
            queue: list[_Task] = list(reversed(todo))
            while queue:
                abs_path, rel = queue.pop()
                if not _claimed(claim, [(abs_path, rel)]):
                    continue
                res = _extract_guarded(abs_path, rel, unpack, timeout).prepare(secret)
                _drop_member_file(abs_path, unpack)
                found: list[_Task] = []
                yield from fan_out(res, found.append)
                queue.extend(reversed(found))
            return
        pool = _Pool(workers, timeout, unpack, secret, claim)
        try:
            for t in todo:
                pool.submit(t)
            for task, res in pool.results():
                _drop_member_file(task[0], unpack)
                yield from fan_out(res, pool.submit)
        finally:
            pool.close()


def _member_result(m: dict) -> FileResult:
    name = m["rel"].rsplit("!", 1)[-1]
    ext = Path(name).suffix.lower().lstrip(".")[:16]
    res = FileResult(m["rel"], "", m.get("size") or 0, ext or "unknown", m["status"] or "corrupt", m["reason"])
    if m.get("raw_name"):
        res.meta = {"name_in_archive": m["raw_name"]}
    return res


def _drop_member_file(path: Path, unpack: Path) -> None:
    """A member is read once: remove its unpacked copy to keep the temporary folder small."""
    try:
        if unpack in path.parents:
            path.unlink(missing_ok=True)
    except OSError:
        pass


class _Timeout(BaseException):  # not an Exception: the readers' catch-alls must let it through
    pass


def _timed_out(abs_path: Path, rel: str, seconds: float) -> FileResult:
    try:
        size, sha = abs_path.stat().st_size, sha256_of(abs_path)
    except OSError:
        size, sha = 0, ""
    res = FileResult(rel, sha, size, "unknown", "corrupt", f"timed out after {seconds:.0f} s")
    try:
        from izdesh.ingest.detect import detect

        res.type = detect(abs_path)
    except Exception:
        pass
    return res


def _extract_guarded(abs_path: Path, rel: str, unpack: Path, timeout: float) -> FileResult:
    """extract() in this process, cut off after `timeout` seconds (SIGALRM, main thread only)."""
    use_alarm = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not use_alarm:
        return extract(abs_path, rel, unpack_dir=unpack)

    def on_alarm(signum: int, frame: object) -> None:
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return extract(abs_path, rel, unpack_dir=unpack)
    except _Timeout:
        return _timed_out(abs_path, rel, timeout)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


WORKER_NICE = 5  # readers yield the CPU to the writer, the run's critical path (IZDESH_WORKER_NICE)


def _worker_main(conn: Connection, secret: str, threads: int = 1) -> None:  # pragma: no cover - runs in the child
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and kills us
    # With N readers and one writer on N cores, equal shares would give the writer N/(N+1) of a
    # core; the writer is the bottleneck of a run without OCR, so the readers stand back.
    try:
        os.nice(int(os.environ.get("IZDESH_WORKER_NICE", "") or WORKER_NICE))
    except (ValueError, OSError):
        pass
    os.environ.setdefault("IZDESH_OCR_THREADS", str(threads))
    sparse_collection()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        abs_path, rel, unpack = task
        try:
            res = extract(Path(abs_path), rel, unpack_dir=Path(unpack)).prepare(secret)
        except BaseException as exc:
            res = FileResult(rel, "", 0, "unknown", "corrupt", f"{type(exc).__name__}: {exc}")
        conn.send(res)


class _Ahead:
    """The files left to read, claimed (``Claim``) a group at a time in a thread of their own, so
    that the loop feeding the readers and taking their results never waits for a claim. A claim
    waits for the store's write lock, which the writer holds while it writes a batch: claimed
    inline, one file at a time, that loop waited 27 s of the 165 s reading phase at full scale
    while readers sat idle. Groups are small, so that other workers still share the work, but
    several are claimed ahead: with one, the readers ran out of files whenever a write held the lock
    (small files go fast) and each waited 21 s of a 130 s reading phase for its next file, 12 s
    with four."""

    GROUP = 16
    AHEAD = 4 * GROUP  # files claimed and not yet handed to a reader, at most (about)

    def __init__(self, claim: Claim | None) -> None:
        self.claim = claim
        self.todo: deque[_Task] = deque()  # not claimed yet
        self.ready: deque[_Task] = deque()  # claimed (or needing no claim), to be read next
        self.pending = 0  # taken from todo by the thread, being claimed
        self.cv = threading.Condition()
        self.error: BaseException | None = None
        self.closed = False
        self.thread: threading.Thread | None = None

    def add(self, task: _Task) -> None:
        with self.cv:
            self.todo.append(task)
            self.cv.notify_all()

    def put_back(self, tasks: Iterable[_Task]) -> None:
        """Files claimed and sent to a reader that died before reading them: still ours."""
        with self.cv:
            self.ready.extendleft(reversed(list(tasks)))

    def __bool__(self) -> bool:
        with self.cv:  # the thread moves files from todo to pending under the lock
            return bool(self.todo or self.ready or self.pending or self.error is not None)

    def unclaimed(self) -> bool:
        with self.cv:
            return bool(self.todo or self.pending)

    def take(self) -> _Task | None:
        """The next file to read, or None if none is claimed yet (never waits)."""
        with self.cv:
            if self.error is not None:
                raise self.error
            if self.claim is None:
                self.ready.extend(self.todo)
                self.todo.clear()
            elif self.todo and self.thread is None:
                self.thread = threading.Thread(target=self._run, name="izdesh-claims", daemon=True)
                self.thread.start()
            self.cv.notify_all()
            return self.ready.popleft() if self.ready else None

    def wait(self, timeout: float) -> None:
        """Until a file is claimed or none is left to claim."""
        with self.cv:
            self.cv.wait_for(lambda: self.ready or self.error is not None or not self.unclaimed(), timeout)

    def _run(self) -> None:
        assert self.claim is not None
        while True:
            with self.cv:
                self.cv.wait_for(lambda: self.closed or (self.todo and len(self.ready) < self.AHEAD))
                if self.closed:
                    return
                group = [self.todo.popleft() for _ in range(min(self.GROUP, len(self.todo)))]
                self.pending = len(group)
            try:
                won = _claimed(self.claim, group)
            except BaseException as exc:  # the store failed: the reading loop raises it
                with self.cv:
                    self.error, self.pending = exc, 0
                    self.cv.notify_all()
                return
            with self.cv:
                self.ready.extend(won)
                self.pending = 0
                self.cv.notify_all()

    def close(self) -> None:
        with self.cv:
            self.closed = True
            self.cv.notify_all()
        if self.thread is not None:
            self.thread.join(60)


class _Pool:
    """Worker processes that can be killed, each given up to ``DEPTH`` files at a time with a
    deadline for the one it is reading. A worker that overruns is killed and replaced (its file:
    corrupt, "timed out after N s"); one that dies (a crash in a C library) marks its file corrupt
    with the exit code. The files queued behind go to other workers."""

    # Files handed to a worker at once: the next one waits in its pipe, so a worker that finishes
    # a file goes on at once instead of waiting for this process (busy writing) to send another.
    # With one at a time, the readers sat idle for a third of the reading phase at full scale.
    DEPTH = 2

    def __init__(
        self, workers: int, timeout: float, unpack: Path, secret: str, claim: Claim | None = None
    ) -> None:
        self.ctx = mp.get_context("fork") if sys.platform.startswith("linux") else mp.get_context()
        self.n, self.timeout, self.unpack, self.secret, self.claim = workers, timeout, unpack, secret, claim
        self.files = _Ahead(claim)
        # worker -> (process, files sent to it in order, when it started on the first of them)
        self.busy: dict[Connection, tuple[Any, deque[_Task], float]] = {}
        self.idle: list[tuple[Any, Connection]] = []

    def _spawn(self) -> tuple[Any, Connection]:
        parent, child = self.ctx.Pipe()
        threads = max(1, (os.cpu_count() or 1) // self.n)
        proc = self.ctx.Process(target=_worker_main, args=(child, self.secret, threads), daemon=True)
        proc.start()
        child.close()
        return proc, parent

    def submit(self, task: _Task) -> None:
        self.files.add(task)

    def _send(self, conn: Connection, task: _Task) -> None:
        conn.send((str(task[0]), task[1], str(self.unpack)))

    def _dispatch(self) -> None:
        # First every worker gets a file, then each a second to queue.
        for depth in range(1, self.DEPTH + 1):
            while len(self.busy) < self.n and (task := self.files.take()) is not None:
                proc, conn = self.idle.pop() if self.idle else self._spawn()
                self._send(conn, task)
                self.busy[conn] = (proc, deque([task]), time.monotonic())
            for conn, (_proc, sent, _st) in self.busy.items():
                while len(sent) < depth and (task := self.files.take()) is not None:
                    self._send(conn, task)
                    sent.append(task)

    def _drop(self, conn: Connection) -> tuple[Any, _Task]:
        """A worker gone (crashed or killed): its process and the file it was reading; the files
        queued behind go back."""
        proc, sent, _st = self.busy.pop(conn)
        current = sent.popleft()
        self.files.put_back(sent)
        conn.close()
        return proc, current

    def results(self) -> Iterator[tuple[_Task, FileResult]]:
        while self.files or self.busy:
            self._dispatch()
            if not self.busy:  # nothing claimed yet, or the files left were claimed by other workers
                self.files.wait(1.0)
                continue
            now = time.monotonic()
            wait_for = min(st + self.timeout - now for _, _, st in self.busy.values())
            if self.files.unclaimed() and any(len(sent) < self.DEPTH for _p, sent, _st in self.busy.values()):
                wait_for = min(wait_for, 0.02)  # a reader has room: send it the files being claimed
            ready = mp_wait(list(self.busy), timeout=max(0.02, wait_for))
            done: list[tuple[_Task, FileResult]] = []
            for conn in ready:
                proc, sent, _st = self.busy[conn]  # type: ignore[index]
                try:
                    res = conn.recv()
                except (EOFError, OSError):
                    proc, current = self._drop(conn)  # type: ignore[arg-type]
                    proc.join(5)
                    res = _timed_out(current[0], current[1], 0)
                    res.reason = f"the reader crashed (exit code {proc.exitcode})"
                    done.append((current, res))
                    continue
                task = sent.popleft()
                if sent:  # it is on the next file already
                    self.busy[conn] = (proc, sent, time.monotonic())  # type: ignore[index]
                else:
                    del self.busy[conn]  # type: ignore[arg-type]
                    self.idle.append((proc, conn))  # type: ignore[arg-type]
                done.append((task, res))
            # The freed readers start their next files before the caller writes these results.
            self._dispatch()
            yield from done
            now = time.monotonic()
            for conn, (proc, sent, st) in list(self.busy.items()):
                if now - st > self.timeout:
                    proc.kill()
                    proc.join(5)
                    _proc, current = self._drop(conn)
                    yield current, _timed_out(current[0], current[1], self.timeout)

    def close(self) -> None:
        self.files.close()
        for proc, conn in self.idle:
            try:
                conn.send(None)
                conn.close()
            except OSError:
                pass
            proc.join(2)
            if proc.is_alive():
                proc.kill()
        for _conn, (proc, _sent, _st) in self.busy.items():
            proc.kill()
            proc.join(2)
        self.idle, self.busy = [], {}


# A transaction takes results until it holds this many records and text blocks, this many files,
# or its first result has waited this long (IZDESH_WRITE_BATCH_SECONDS). One commit per file cost
# the writer a fifth of its time at the mid-scale leak (mostly small files: reports, photos); a
# killed run redoes at most one batch, as it redid the files in flight before.
BATCH_ROWS = 50_000
BATCH_FILES = 500
BATCH_SECONDS = 2.0


def batch_seconds() -> float:
    try:
        return float(os.environ.get("IZDESH_WRITE_BATCH_SECONDS", "") or BATCH_SECONDS)
    except ValueError:
        return BATCH_SECONDS


def _batches(results: Iterator[FileResult], seconds: float) -> Iterator[list[FileResult]]:
    batch: list[FileResult] = []
    size, since = 0, 0.0
    for res in results:
        if not batch:
            since = time.monotonic()
        batch.append(res)
        size += res.weight
        if size >= BATCH_ROWS or len(batch) >= BATCH_FILES or time.monotonic() - since >= seconds:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _write_batch(engine: Engine, batch: list[FileResult]) -> None:
    """Files with their tables and records in one transaction, which also drops their claims."""
    with engine.begin() as conn:
        for res in batch:
            _write(conn, res)


class _TextOf(NamedTuple):
    """What izdesh.docs.index.write_text reads of a file (its records only to know if it has any)."""

    path: str
    status: str
    meta: dict[str, Any]
    pieces: list[Piece]
    records: list[Any]


# The writer's statements, built once: building one per file (select(...).where(...), .values(...))
# cost more than running it.
_f, _r = schema.source_file, schema.record
_SAME_CONTENT = (
    select(_f.c.path)
    .where(_f.c.sha256 == bindparam("sha256"), _f.c.status.not_in(("empty", "duplicate")))
    .order_by(_f.c.path)
    .limit(1)
)
_INSERT_FILE = _f.insert()
_INSERT_TABLE = schema.source_table.insert()
_INSERT_PHOTO = schema.photo.insert()
_PHOTO_RECORD = select(_r.c.id).where(_r.c.file_id == bindparam("file_id"), _r.c.kind == "photo")


def _write(conn: DbConnection, res: FileResult) -> None:
    """The file's row, tables, records and text (prepared by the reader, see FileResult.prepare),
    in the caller's transaction."""
    if res.sha256 and res.status != "empty":
        same = conn.execute(_SAME_CONTENT, {"sha256": res.sha256}).scalar()
        if same is not None:  # identical bytes already read: account for the file, keep no copy
            res.status, res.reason = "duplicate", f"same content as {same}"
            res.drop_contents()
    Claims.release(conn, res.path)
    file_id = _new_id(
        conn.execute(
            _INSERT_FILE,
            {
                "path": res.path,
                "sha256": res.sha256,
                "size": res.size,
                "type": res.type,
                "status": res.status,
                "reason": res.reason,
                "meta": res.meta or None,
                "records": len(res.rows),
            },
        )
    )
    write_contents(conn, file_id, res)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None, "an INSERT of one row"
    return int(key[0])


def write_contents(conn: DbConnection, file_id: int, res: FileResult) -> None:
    """A stored file's tables, records, text and photo row (the caller's transaction)."""
    table_ids: dict[str, int] = {}
    for t in res.tables:
        row = {"file_id": file_id, "sheet": t["sheet"], "header_row": t["header_row"], "columns": t["columns"],
               "rows": t["rows"]}  # fmt: skip
        table_ids[t["sheet"]] = _new_id(conn.execute(_INSERT_TABLE, row))
    if res.rows:  # COPY on PostgreSQL: a table of persons gives tens of thousands of rows
        assert len(res.person_ids) == len(res.rows), "a result not prepared (FileResult.prepare)"
        insert_rows(
            conn,
            RECORD_AS_TEXT,
            ("file_id", "table_id", "person_id", *ROW_COLUMNS),
            (
                (file_id, None if sheet is None else table_ids.get(sheet), pid, *values)
                for (sheet, values), pid in zip(res.rows, res.person_ids)
            ),
        )
    if res.pieces:  # the file's text for full-text search, indexed in this same transaction
        write_text(conn, file_id, _TextOf(res.path, res.status, res.meta, res.pieces, res.rows))
    if res.type in ("jpeg", "png") and res.status == "ok":
        # The photo's own record (ID from the file name), not text OCR found in the picture.
        photo = next((values for _sheet, values in res.rows if values[0] == "photo"), None)
        record_id = None
        if photo is not None:
            record_id = conn.execute(_PHOTO_RECORD, {"file_id": file_id}).scalar()
        conn.execute(
            _INSERT_PHOTO,
            {
                "file_id": file_id,
                "record_id": record_id,
                "taken_at": json.loads(photo[1]).get("taken_at") if photo is not None else None,
                "exif": res.meta.get("exif"),
            },
        )
