"""One file in, its fate and records out. Pure and picklable, so a process pool can run it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from izdesh.ingest.detect import detect
from izdesh.ingest.errors import FileError
from izdesh.ingest.tables import Sheet, read_delimited, read_spreadsheet
from izdesh.records.mapping import RecordOut, id_fields, map_sheet


@dataclass(slots=True)
class FileResult:
    path: str  # relative to the ingested root
    sha256: str
    size: int
    type: str
    status: str = "ok"
    reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    tables: list[dict[str, Any]] = field(default_factory=list)  # TableReport as dicts
    records: list[RecordOut] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


SPREADSHEETS = {"xlsx", "xls", "ods"}
# Mugshot file names carry the ID number and the time the photo was taken: <ID>_<YYYYMMDDhhmmss>.
PHOTO_NAME = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])[_-]([0-9]{14})(?![0-9])")


def extract(abs_path: Path, rel_path: str, sha256: str | None = None) -> FileResult:
    size = abs_path.stat().st_size
    digest = sha256 or sha256_of(abs_path)
    kind = detect(abs_path)
    res = FileResult(rel_path, digest, size, kind)
    try:
        if kind == "empty":
            raise FileError("empty", "the file is empty (0 bytes)")
        if kind in SPREADSHEETS:
            _tables(res, read_spreadsheet(abs_path))
        elif kind == "text":
            _tables(res, read_delimited(abs_path))
        elif kind in ("jpeg", "png"):
            _photo(res, abs_path)
        elif kind == "ole2-encrypted":
            raise FileError("encrypted", "an encrypted Office document (password protected)")
        else:
            raise FileError("unsupported", f"no reader for {kind} files yet")
    except FileError as exc:
        res.status, res.reason = exc.status, exc.reason
        res.records, res.tables = [], []
    except Exception as exc:  # a reader bug must not stop the run: the file says what happened
        res.status, res.reason = "corrupt", f"{type(exc).__name__}: {exc}"
        res.records, res.tables = [], []
    return res


def _tables(res: FileResult, sheets: Any) -> None:
    sheet: Sheet
    for sheet in sheets:
        report, records = map_sheet(sheet)
        res.tables.append(asdict(report))
        res.records.extend(records)
    if not res.records and not any(t["header_row"] is not None for t in res.tables):
        res.reason = "no table with person columns found"


def _photo(res: FileResult, path: Path) -> None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            exif = {Image.ExifTags.TAGS.get(k, str(k)): _jsonable(v) for k, v in im.getexif().items()}
            ifd = im.getexif().get_ifd(0x8769)
            exif.update({Image.ExifTags.TAGS.get(k, str(k)): _jsonable(v) for k, v in ifd.items()})
            res.meta = {"width": im.width, "height": im.height, "exif": exif}
    except Exception as exc:
        raise FileError("corrupt", f"image does not decode: {exc}") from exc
    m = PHOTO_NAME.search(Path(res.path).name)
    if m:
        ids, _flags = id_fields(m.group(1))
        t = m.group(2)
        taken = f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}"
        res.records.append(
            RecordOut(
                kind="photo",
                locator={"taken_at": taken},
                raw={"file_name": Path(res.path).name},
                fields={"id_raw": m.group(1), **ids},
                flags=_flags,
            )
        )


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return v[:64].hex()
    if isinstance(v, (int, float, str)) or v is None:
        return v
    return str(v)
