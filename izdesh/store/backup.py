"""`izdesh backup --db DB --out FILE`: a consistent copy of a store while it is being served.

SQLite: the online backup API (`sqlite3.Connection.backup`), copying pages in steps; a writer
(an ingest) may go on beside it: SQLite restarts the copy of changed pages, so the result is one
consistent snapshot. The copy is then checked (`PRAGMA integrity_check`) and switched to
journal_mode=DELETE so that it is one self-contained file.
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot by its own transaction; restore with
pg_restore). The pg_dump of the server's major version or newer must be on PATH (Debian:
postgresql-client)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click

from izdesh.store.db import engine_url


class BackupError(Exception):
    pass


def backup(db: str, out: str | os.PathLike[str], *, pages_per_step: int = 4096) -> Path:
    out = Path(out)
    url = engine_url(db)
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    if url.startswith("sqlite:"):
        src_path = Path(url.removeprefix("sqlite:///"))
        if not src_path.exists():
            raise BackupError(f"{db}: no such store")
        src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=pages_per_step)
            dst.execute("PRAGMA journal_mode=DELETE")
            bad = [r[0] for r in dst.execute("PRAGMA integrity_check") if r[0] != "ok"]
            if bad:
                raise BackupError("the copy fails its integrity check: " + "; ".join(bad[:5]))
        finally:
            dst.close()
            src.close()
    else:
        exe = shutil.which("pg_dump")
        if exe is None:
            raise BackupError("pg_dump is not on PATH (Debian: apt-get install postgresql-client)")
        dsn = db.replace("postgresql+psycopg://", "postgresql://", 1)
        r = subprocess.run([exe, "--format=custom", "--no-owner", "--file", str(tmp), dsn],
                           capture_output=True, text=True)
        if r.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError("pg_dump failed: " + r.stderr.strip()[-500:])
    os.replace(tmp, out)
    return out


@click.command("backup")
@click.option("--db", required=True, help="The store: a SQLite file or a postgresql:// URL.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Where the copy goes.")
def backup_command(db: str, out: str) -> None:
    """A consistent copy of the store, safe while it is served or ingested."""
    try:
        path = backup(db, out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: {path.stat().st_size:,} bytes", err=True)
