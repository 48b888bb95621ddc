"""Where the originals are: the ingest remembers each root it was given (meta keys "root:<n>" holding
absolute paths), so that the site can show a photo or re-read a sheet from the original file.

Stored paths are relative to the root given to the ingest ("疏附县/x.xlsx"), a file's own name when
the ingest was given a file, or "a.zip!x/y" for archive members. Nothing here writes to a leak, and
no path outside a root is ever opened (".." and absolute paths are refused).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path, PurePosixPath

from sqlalchemy import Engine, select

from izdesh.store import schema

ROOT_PREFIX = "root:"
MAX_MEMBER = 64 * 1024 * 1024  # an archive member read into memory for serving, at most


def remember_roots(engine: Engine, paths: list[Path]) -> None:
    """Record the absolute path of every ingest root not yet known (called by the ingest)."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(schema.meta.c.key, schema.meta.c.value).where(schema.meta.c.key.like(ROOT_PREFIX + "%"))
        ).all()
        known = {v for _, v in rows}
        n = max((int(k[len(ROOT_PREFIX) :]) for k, _ in rows if k[len(ROOT_PREFIX) :].isdigit()), default=-1)
        for p in paths:
            ab = str(Path(p).expanduser().resolve())
            if ab not in known:
                n += 1
                conn.execute(schema.meta.insert().values(key=f"{ROOT_PREFIX}{n}", value=ab))
                known.add(ab)


def roots(engine: Engine) -> list[Path]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(schema.meta.c.key, schema.meta.c.value).where(schema.meta.c.key.like(ROOT_PREFIX + "%"))
        ).all()
    return [Path(v) for _, v in sorted(rows, key=lambda kv: kv[0])]


def _safe_rel(rel: str) -> PurePosixPath | None:
    pp = PurePosixPath(rel)
    if pp.is_absolute() or any(part in ("..", "") for part in pp.parts) or not pp.parts:
        return None
    return pp


def locate(stored_path: str, where: list[Path]) -> Path | None:
    """The original file on disk for a stored path (None for archive members or when missing)."""
    if "!" in stored_path:
        return None
    rel = _safe_rel(stored_path)
    if rel is None:
        return None
    for root in where:
        if root.is_dir():
            cand = root.joinpath(*rel.parts)
            try:
                if cand.is_file() and cand.resolve().is_relative_to(root.resolve()):
                    return cand
            except OSError:
                continue
        elif root.is_file() and root.name == stored_path:
            return root
    return None


def read_original(stored_path: str, where: list[Path]) -> bytes | None:
    """The bytes of an original: a file under a root, or a member of a zip archive under a root
    ("a.zip!x/y"; one level). None when it cannot be found."""
    outer, _, member = stored_path.partition("!")
    path = locate(outer, where)
    if path is None:
        return None
    if not member:
        return path.read_bytes()
    if "!" in member or _safe_rel(member) is None:
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.file_size > MAX_MEMBER:
                return None
            return zf.read(info)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
