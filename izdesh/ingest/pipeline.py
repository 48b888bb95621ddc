"""The ingest run: walk the inputs, skip what the store knows, extract in a process pool, write each
file with its records in one transaction (a killed run redoes at most the files in flight), then
rebuild persons."""

from __future__ import annotations

import os
from fnmatch import fnmatch
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, select

from izdesh.identity.persons import rebuild_persons
from izdesh.ingest.extract import FileResult, extract, sha256_of
from izdesh.store import schema
from izdesh.store.db import open_engine

RECORD_COLUMNS = {c.name for c in schema.record.c} - {"id", "file_id", "table_id", "person_id"}


@dataclass
class Summary:
    files: int = 0
    skipped: int = 0
    records: int = 0
    persons: int = 0
    by_status: Counter[str] = field(default_factory=Counter)


def walk(paths: list[Path], exclude: tuple[str, ...] = ()) -> Iterator[tuple[Path, str]]:
    """(absolute path, path as stored): relative to the folder given, or the file's name.
    `exclude`: glob patterns on the stored path (e.g. "truth/*", the generator's answer key)."""
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
    for p in paths:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
    engine = open_engine(db, create=True)
    summary = Summary()
    with engine.connect() as conn:
        known = dict(conn.execute(select(schema.source_file.c.path, schema.source_file.c.sha256)).all())
        first_path = {}
        for path, sha in sorted(known.items()):
            first_path.setdefault(sha, path)
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
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("ingest", total=len(todo), rate="-")
        for res in _extract_all(todo, workers):
            if res.sha256 in first_path and res.status != "empty":
                res.status, res.reason = "duplicate", f"same content as {first_path[res.sha256]}"
                res.records, res.tables = [], []
            else:
                first_path.setdefault(res.sha256, res.path)
            _write(engine, res)
            summary.files += 1
            summary.records += len(res.records)
            summary.by_status[res.status] += 1
            elapsed = bar.tasks[0].elapsed or 0
            bar.update(task, advance=1, rate=f"{summary.files / elapsed:.0f}" if elapsed else "-")
    summary.persons = rebuild_persons(engine, progress=progress)
    return summary


def _extract_all(todo: list[tuple[Path, str]], workers: int) -> Iterator[FileResult]:
    if workers <= 1 or len(todo) < 4:
        for abs_path, rel in todo:
            yield extract(abs_path, rel)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(extract, [a for a, _ in todo], [r for _, r in todo], chunksize=4)


def _write(engine: Engine, res: FileResult) -> None:
    with engine.begin() as conn:
        file_id = conn.execute(
            schema.source_file.insert().values(
                path=res.path,
                sha256=res.sha256,
                size=res.size,
                type=res.type,
                status=res.status,
                reason=res.reason,
                meta=res.meta or None,
                records=len(res.records),
            )
        ).inserted_primary_key[0]
        table_ids: dict[str, int] = {}
        for t in res.tables:
            table_ids[t["sheet"]] = conn.execute(
                schema.source_table.insert().values(
                    file_id=file_id,
                    sheet=t["sheet"],
                    header_row=t["header_row"],
                    columns=t["columns"],
                    rows=t["rows"],
                )
            ).inserted_primary_key[0]
        if res.records:
            rows = []
            for rec in res.records:
                row = {k: None for k in RECORD_COLUMNS}
                row.update({k: v for k, v in rec.fields.items() if k in RECORD_COLUMNS})
                row.update(
                    file_id=file_id,
                    table_id=table_ids.get(rec.locator.get("sheet", "")) if rec.kind == "table" else None,
                    kind=rec.kind,
                    locator=rec.locator,
                    raw=rec.raw,
                    flags=rec.flags or None,
                    person_id=None,
                )
                rows.append(row)
            conn.execute(schema.record.insert(), rows)
        if res.type in ("jpeg", "png") and res.status == "ok":
            rec = res.records[0] if res.records else None
            record_id = None
            if rec is not None:
                record_id = conn.execute(
                    select(schema.record.c.id).where(schema.record.c.file_id == file_id)
                ).scalar()
            conn.execute(
                schema.photo.insert().values(
                    file_id=file_id,
                    record_id=record_id,
                    taken_at=rec.locator.get("taken_at") if rec else None,
                    exif=res.meta.get("exif"),
                )
            )
