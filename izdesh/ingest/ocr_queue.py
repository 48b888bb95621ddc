"""The OCR queue: files an ingest with IZDESH_OCR=defer stored without reading their scans.

OCR costs about 3 CPU-s a page; the --full leak's 1,281 scanned pages alone are more than an hour
of one core. With IZDESH_OCR=defer the ingest stores a file that needs OCR and nothing else (an
image-only PDF, a picture without an ID in its name; not an archive member) at once, status
"partial", reason beginning "OCR deferred:" — that reason is the queue. A later run with OCR on
(`izdesh ingest` again, or `complete` below) re-reads each queued file from its original, OCR
included, and in one transaction per file adds its records, text and photo row and sets its
status, reason and meta to what an ingest with OCR would have stored. Such a file had no text of
its own, so it has no stored text or records to merge with. A run killed in the middle leaves the
rest queued; persons are marked stale before the first file changes and rebuilt at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, bindparam, select, update

from izdesh.ingest import ocr
from izdesh.store import schema
from izdesh.store.db import get_meta, open_engine, set_meta
from izdesh.store.files import locate, roots

if TYPE_CHECKING:
    from izdesh.ingest.pipeline import Summary

_f = schema.source_file
_QUEUED = select(_f.c.id, _f.c.path).where(_f.c.reason.like(ocr.QUEUED + "%")).order_by(_f.c.id)
_STILL_QUEUED = select(_f.c.id, _f.c.sha256).where(_f.c.path == bindparam("p"), _f.c.reason.like(ocr.QUEUED + "%"))


def queued(engine: Engine) -> list[tuple[int, str]]:
    """(file id, stored path) of every queued file."""
    with engine.connect() as conn:
        return [(i, p) for i, p in conn.execute(_QUEUED)]


def complete(engine: Engine, workers: int = 1, *, progress: bool = False) -> int:
    """OCR the queued files whose originals are found under the store's roots; returns how many
    were done. The caller rebuilds persons (they are marked stale here)."""
    from izdesh.ingest.pipeline import _extract_all, write_contents

    if not ocr.enabled() or ocr.deferred():
        return 0  # OCR off or deferred again: the queue stays as it is
    files = queued(engine)
    where = roots(engine)
    todo = [(found, path) for _id, path in files if (found := locate(path, where)) is not None]
    if not todo:
        return 0
    if not ocr.available():
        return 0  # no engine here: the files stay queued for a machine that has one
    with engine.begin() as conn:
        set_meta(conn, "derived_stale", "1")  # records are about to change
        secret = get_meta(conn, "person_key")
    assert secret is not None, "store without person_key (not created by open_engine)"
    done = 0
    for res in _extract_all(todo, workers, secret):
        with engine.begin() as conn:
            row = conn.execute(_STILL_QUEUED.with_for_update(), {"p": res.path}).first()
            if row is None:
                continue  # another run did it meanwhile
            file_id, sha = row
            if res.sha256 != sha:
                continue  # the original changed since it was stored: it stays queued, as stored
            write_contents(conn, file_id, res)
            conn.execute(
                update(_f)
                .where(_f.c.id == file_id)
                .values(status=res.status, reason=res.reason, meta=res.meta or None, records=len(res.rows))
            )
        done += 1
        if progress:
            print(f"OCR {done}/{len(todo)}: {res.path} ({res.status})", flush=True)
    return done


def run(db: str, workers: int = 2, *, progress: bool = True) -> Summary:
    """`izdesh ocr --db DB`: complete the queue, then rebuild what depends on records."""
    from izdesh.ingest.pipeline import Summary, finish, rebuild_derived

    engine = open_engine(db)
    summary = Summary()
    summary.ocr_done = complete(engine, workers, progress=progress)
    rebuild_derived(engine, summary, progress)
    return finish(engine, summary)
