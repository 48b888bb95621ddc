"""One file in, its fate and records out. Pure and picklable, so a process pool can run it.

Dispatch by detected type: spreadsheets and delimited text to the table mapper; Word, PowerPoint,
PDF, OpenDocument, HTML, RTF and mail to the document readers (their tables through the mapper,
their text through records.text); images get their EXIF and, when no ID number is in the file
name, OCR; archives are expanded into the caller's unpack folder and their members come back to
be read one by one. Statuses: ok, partial (says which parts failed), unsupported, encrypted,
corrupt, empty; the pipeline adds duplicate."""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from izdesh.docs.index import Piece, text_pieces
from izdesh.ingest import archives, documents, ocr
from izdesh.ingest.archives import ARCHIVE_KINDS
from izdesh.ingest.detect import detect
from izdesh.ingest.documents import check_ooxml, sniff_text_kind
from izdesh.ingest.errors import FileError
from izdesh.ingest.rows import person_of, record_rows
from izdesh.ingest.tables import Sheet, cell_text, read_delimited, read_spreadsheet
from izdesh.records.mapping import RecordOut, TableReport, id_fields, map_sheet
from izdesh.records.text import people_in_text


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
    # Archive members and mail attachments written to the unpack folder, for the caller to read:
    # {"path" (None when not extracted), "rel" ("a.zip!x/y"), "status", "reason", "size", "raw_name"}
    members: list[dict[str, Any]] = field(default_factory=list)
    # The file's text for full-text search (izdesh.docs): {"kind", "locator", "text"}; kind is
    # paragraph, cell (one table row), page, slide or ocr; locators like the records'.
    blocks: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    # What the writer stores, made by `prepare` in the reader, whose CPU is to spare, rather than
    # by the writer, the run's critical path: the records as rows (izdesh.ingest.rows) with the
    # person of each row's valid ID number, and the text as pieces with their index tokens and
    # entities (izdesh.docs.index.text_pieces). `records` and `blocks` are emptied then.
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    person_ids: list[str | None] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)

    def prepare(self, secret: str) -> FileResult:
        """Make the writer's rows; ``secret``: the store's person_key (izdesh.identity.persons)."""
        if self.records:
            self.rows, self.records = record_rows(self.records), []
        if len(self.person_ids) != len(self.rows):
            self.person_ids = [person_of(values, secret) for _sheet, values in self.rows]
        if self.blocks:
            self.pieces, self.blocks = text_pieces(self.blocks), []
        return self

    def drop_contents(self) -> None:
        """Keep the file's row only (a duplicate of a file already stored)."""
        self.rows, self.person_ids, self.tables, self.pieces = [], [], [], []

    @property
    def weight(self) -> int:
        """Rows and text pieces: what writing the result costs, roughly."""
        return len(self.rows) + len(self.pieces)


def _text_block(res: FileResult, kind: str, locator: dict[str, Any], text: str) -> None:
    if text and text.strip():
        res.blocks.append({"kind": kind, "locator": dict(locator), "text": text})


def _sheet(res: FileResult, sheet: Sheet, extra: dict[str, Any]) -> tuple[TableReport, list[RecordOut]]:
    """A sheet's records, mapped, and its text blocks: one per table row, its non-empty cells
    joined by tabs, located sheet+row; a row of a table of persons (its rows became records) is
    marked so its entities are not extracted again. The cells are made text once for both."""
    texts = [[cell_text(c) for c in row] for row in sheet.rows]
    report, records = map_sheet(sheet, texts)
    people = report.header_row is not None and bool(records)
    for r, row in enumerate(texts):
        _text_block(res, "cell", {**extra, "row": r}, "\t".join(t for t in row if t))
        if people and res.blocks and res.blocks[-1]["locator"].get("row") == r:
            res.blocks[-1]["people_table"] = True
    return report, records


def _block_kind(locator: dict[str, Any]) -> str:
    if "slide" in locator:
        return "slide"
    return "cell" if "row" in locator else "page" if "page" in locator else "paragraph"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


SPREADSHEETS = {"xlsx", "xls", "ods"}
IMAGES = {"jpeg", "png", "gif", "tiff", "webp", "bmp", "jp2"}
# Mugshot file names carry the ID number and the time the photo was taken: <ID>_<YYYYMMDDhhmmss>.
PHOTO_NAME = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx])[_-]([0-9]{14})(?![0-9])")
ANY_ID_IN_NAME = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_NO_READER = {
    "djvu": "DjVu documents", "pst": "Outlook mailboxes (.pst)", "mdb": "Access databases (.mdb)",
    "dbf": "dBASE tables (.dbf)", "mp4": "audio/video (MP4/M4A) files", "binary": "binary files of unknown type",
    "ole2": "OLE2 containers of unknown kind", "vcard": "vCard contact files", "ical": "iCalendar files",
}  # fmt: skip


def refine_kind(path: Path, kind: str) -> str:
    """A finer kind than detect() gives for mail, calendar and some binary formats."""
    if kind not in ("text", "binary", "xml"):
        return kind
    with path.open("rb") as fh:
        head = fh.read(16384)
    if kind == "text":
        return sniff_text_kind(head) or kind
    if kind == "xml":
        return "svg" if b"<svg" in head[:4096] else kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n" or head[:4] == b"\xff\x4f\xff\x51":
        return "jp2"
    if head[:2] == b"BM" and len(head) > 26 and int.from_bytes(head[2:6], "little") == path.stat().st_size:
        return "bmp"
    if head[:4] == b"!BDN":
        return "pst"
    if head[4:19] == b"Standard Jet DB" or head[4:19] == b"Standard ACE DB":
        return "mdb"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head and b"\x00" not in head:
        printable = sum(1 for b in head if b >= 0x20 or b in (9, 10, 13))
        if printable / len(head) > 0.97:
            return "text"  # single-byte text (Latin-1, cp1252...) that detect() could not decode
    if head[:1] in (b"\x03", b"\x83", b"\x8b", b"\x30") and len(head) > 32:
        hdr = int.from_bytes(head[8:10], "little")
        rec = int.from_bytes(head[10:12], "little")
        n = int.from_bytes(head[4:8], "little")
        if 32 < hdr < 65536 and rec > 0 and abs(hdr + n * rec + 1 - path.stat().st_size) <= 1:
            return "dbf"
    return kind



def extract(
    abs_path: Path,
    rel_path: str,
    sha256: str | None = None,
    unpack_dir: Path | None = None,
) -> FileResult:
    """Read one file. `unpack_dir`: where archive members and mail attachments are written (they
    come back in `members` for the caller to read); without it they are only listed in meta."""
    t0 = time.monotonic()
    size = abs_path.stat().st_size
    digest = sha256 or sha256_of(abs_path)
    kind = detect(abs_path)
    try:
        kind = refine_kind(abs_path, kind)
    except OSError:
        pass
    res = FileResult(rel_path, digest, size, kind)
    try:
        if kind == "empty":
            raise FileError("empty", "the file is empty (0 bytes)")
        if kind in SPREADSHEETS:
            if kind == "xlsx":
                check_ooxml(abs_path)
                check_xlsx_extent(abs_path)
            _tables(res, read_spreadsheet(abs_path))
        elif kind in ARCHIVE_KINDS:
            _archive(res, abs_path, kind, unpack_dir)
        elif kind in IMAGES:
            _image(res, abs_path)
        elif kind == "ole2-encrypted":
            raise FileError("encrypted", "an encrypted Office document (password protected)")
        elif kind in _READERS:
            _document(res, abs_path, kind, unpack_dir)
        elif kind == "text":
            _text_file(res, abs_path)
        else:
            what = _NO_READER.get(kind, f"{kind} files")
            raise FileError("unsupported", f"no reader for {what}")
    except FileError as exc:
        res.status, res.reason = exc.status, exc.reason
        res.records, res.tables, res.blocks = [], [], []
    except MemoryError:
        res.status, res.reason = "corrupt", "the file needs more memory than allowed to read"
        res.records, res.tables, res.blocks = [], [], []
    except Exception as exc:  # a reader bug must not stop the run: the file says what happened
        res.status, res.reason = "corrupt", f"{type(exc).__name__}: {exc}"
        res.records, res.tables, res.blocks = [], [], []
    res.seconds = round(time.monotonic() - t0, 3)
    return res


MAX_SHEET_CELLS = 40_000_000  # the grid a sheet may span (the spreadsheet reader allocates it whole)
# The `r` attribute of cells (letters and digits) and of rows (digits): no other element of a
# worksheet has one. Matched on the attribute alone, which is twice as fast as with its element.
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'\sr="([0-9]{1,7})"')


def check_xlsx_extent(path: Path) -> None:
    """Refuse a workbook whose cells span an absurd grid (a cell at A1 and one at XFD1048576): the
    spreadsheet reader would allocate the whole grid and abort the process. The references are
    gathered by the block into sets of distinct values (in C), not compared one cell at a time:
    this check ran over every cell of every workbook."""
    import zipfile

    def col(letters: bytes) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ch - 64
        return n

    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            cols: set[bytes] = set()
            rows: set[bytes] = set()
            tail = b""
            with zf.open(info) as fh:
                while True:
                    block = fh.read(1 << 20)
                    if not block:
                        break
                    buf = tail + block
                    for c, r in set(_CELL_REF.findall(buf)):
                        cols.add(c)
                        rows.add(r)
                    rows.update(_ROW_REF.findall(buf))
                    tail = buf[-200:]
            if not (rows and cols):
                continue
            r0, r1 = min(map(int, rows)), max(map(int, rows))
            c0, c1 = min(map(col, cols)), max(map(col, cols))
            if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_SHEET_CELLS:
                raise FileError(
                    "corrupt",
                    f"sheet {info.filename.rsplit('/', 1)[-1]} spans {r1 - r0 + 1:,} rows x {c1 - c0 + 1:,} columns "
                    f"(over {MAX_SHEET_CELLS:,} cells): refused",
                )


def _tables(res: FileResult, sheets: Any, extra: dict[str, Any] | None = None) -> None:
    sheet: Sheet
    for sheet in sheets:
        report, records = _sheet(res, sheet, {"sheet": sheet.name})
        res.tables.append(asdict(report))
        res.records.extend(records)
    if not res.records and not any(t["header_row"] is not None for t in res.tables):
        res.reason = "no table with person columns found"


# --- documents ---------------------------------------------------------------------------------

_READERS: dict[str, Any] = {
    "docx": lambda p, k: documents.read_docx(p),
    "doc": lambda p, k: documents.read_doc(p),
    "pptx": lambda p, k: documents.read_pptx(p),
    "ppt": lambda p, k: documents.read_ppt(p),
    "pdf": lambda p, k: documents.read_pdf(p),
    "odt": lambda p, k: documents.read_odt(p),
    "odp": lambda p, k: documents.read_odt(p),
    "html": lambda p, k: documents.read_html(p),
    "xml": lambda p, k: documents.read_html(p),
    "svg": lambda p, k: documents.read_html(p),
    "rtf": lambda p, k: documents.read_rtf(p),
    "eml": documents.read_email,
    "emlx": documents.read_email,
    "mbox": documents.read_email,
    "msg": lambda p, k: documents.read_msg(p),
    "json": lambda p, k: documents.read_text(p),
    "vcard": lambda p, k: documents.read_text(p),
    "ical": lambda p, k: documents.read_text(p),
}


def _document(res: FileResult, path: Path, kind: str, unpack_dir: Path | None) -> None:
    doc = _READERS[kind](path, kind)
    res.meta.update(doc.meta)
    res.meta["pages"] = doc.pages
    problems = list(doc.problems)
    for sheet, extra in doc.sheets:
        report, records = _sheet(res, sheet, extra)
        if report.header_row is not None and records:
            for rec in records:
                rec.locator = {**extra, **rec.locator}
                rec.kind = "table"
            res.records.extend(records)
            res.tables.append(asdict(report))
        else:  # a form or layout table ("姓名 | X | 身份证号 | Y"): its rows are text
            for r, row in enumerate(sheet.rows):
                line = "\t".join(cell_text(c) for c in row)
                res.records.extend(people_in_text(line, {**extra, "row": r}))
    for block in doc.blocks:
        res.records.extend(people_in_text(block.text, block.locator))
        _text_block(res, _block_kind(block.locator), block.locator, block.text)
    has_text = any(b.text.strip() for b in doc.blocks) or any(s.rows for s, _ in doc.sheets)
    if doc.ocr_pages and kind == "pdf" and _may_queue(res) and not (has_text or doc.images or doc.attachments):
        # Only scans that are nothing else are queued: OCR later adds all of the file's text.
        res.meta["ocr_queued"] = len(doc.ocr_pages)
        problems.insert(0, f"{ocr.QUEUED} {len(doc.ocr_pages)} image-only page(s) queued ({_pages(doc.ocr_pages)})")
    elif doc.ocr_pages:
        problems.extend(_ocr_pdf(res, path, doc.ocr_pages))
    if doc.images:
        problems.extend(_ocr_media(res, path, doc.images))
    if doc.attachments:
        _attachments(res, doc.attachments, unpack_dir)
    if not has_text and not doc.ocr_pages and not doc.attachments:
        raise FileError("empty", f"no text in this {kind} file")
    if problems:
        res.status = "partial"
        res.reason = "; ".join(problems[:6]) + (f" (and {len(problems) - 6} more)" if len(problems) > 6 else "")


def _may_queue(res: FileResult) -> bool:
    """OCR deferred (IZDESH_OCR=defer) and the file is not an archive member: the queue re-reads
    files from their originals (izdesh.ingest.ocr_queue), and a member's is in its archive."""
    return ocr.deferred() and "!" not in res.path


def _ocr_pdf(res: FileResult, path: Path, pages: list[int]) -> list[str]:
    """OCR of image-only PDF pages within the file's time budget; returns problems."""
    if not ocr.enabled():
        return [f"OCR switched off: {len(pages)} image-only page(s) not read ({_pages(pages)})"]
    if not ocr.available():
        return [f"no OCR engine installed: {len(pages)} image-only page(s) not read"]
    budget = ocr.Budget()
    cpu0 = time.process_time()
    done: list[int] = []
    for i in pages:
        if budget.left() <= 0:
            rest = [p for p in pages if p not in done]
            return [f"OCR stopped after {budget.spent():.0f} s (budget): page(s) {_pages(rest)} not read"]
        img = documents.render_pdf_page(path, i)
        lines = ocr.ocr_image(img)
        res.records.extend(people_in_text("\n".join(x.text for x in lines), {"page": i}, kind="ocr"))
        _text_block(res, "ocr", {"page": i}, "\n".join(x.text for x in lines))
        done.append(i)
    res.meta["ocr_pages"] = len(done)
    res.meta["ocr_seconds"] = round(budget.spent(), 2)
    res.meta["ocr_cpu_seconds"] = round(time.process_time() - cpu0, 2)  # this reader's CPU, load-independent
    return []


def _ocr_media(res: FileResult, path: Path, names: list[str]) -> list[str]:
    """OCR of pictures pasted into a Word/PowerPoint file (scanned forms often are), within the
    file's budget. Records are located {"image": member name, "line": k}."""
    if not ocr.enabled() or not ocr.available():
        res.meta["images_not_ocred"] = len(names)
        return []
    import io
    import zipfile

    from PIL import Image

    budget = ocr.Budget()
    done = 0
    with zipfile.ZipFile(path) as zf:
        for name in names:
            if budget.left() <= 0:
                return [f"OCR stopped after {budget.spent():.0f} s (budget): {len(names) - done} picture(s) not read"]
            try:
                with Image.open(io.BytesIO(zf.read(name))) as im:
                    if min(im.size) < 200:
                        continue
                    lines = ocr.ocr_image(im.copy())
            except Exception:
                continue  # a picture that does not decode is not the document's text
            res.records.extend(people_in_text("\n".join(x.text for x in lines), {"image": name}, kind="ocr"))
            _text_block(res, "ocr", {"image": name}, "\n".join(x.text for x in lines))
            done += 1
    res.meta["ocr_images"] = done
    return []


def _pages(pages: list[int]) -> str:
    nums = [p + 1 for p in pages]
    return ", ".join(map(str, nums[:10])) + (" ..." if len(nums) > 10 else "")


def _text_file(res: FileResult, path: Path) -> None:
    """Plain text: a delimited table when a header names person columns, else lines of text."""
    try:
        _tables(res, read_delimited(path))
    except FileError:
        res.tables, res.records, res.blocks = [], [], []
    if any(t["header_row"] is not None for t in res.tables):
        return
    res.tables, res.records, res.blocks, res.reason = [], [], [], None
    doc = documents.read_text(path)
    res.meta.update(doc.meta)
    if doc.meta.get("undecodable"):
        res.reason = f"{doc.meta['undecodable']} byte sequence(s) in no known encoding, replaced"
    res.meta["pages"] = doc.pages
    for block in doc.blocks:
        res.records.extend(people_in_text(block.text, block.locator))
        _text_block(res, _block_kind(block.locator), block.locator, block.text)
    if not any(b.text.strip() for b in doc.blocks):
        raise FileError("empty", "the text file holds only blank space")


# --- images ------------------------------------------------------------------------------------


def _image(res: FileResult, path: Path) -> None:
    if res.type in ("jpeg", "png"):
        _photo(res, path)
    else:
        _image_meta(res, path)
    name = Path(res.path.split("!")[-1]).name
    if ANY_ID_IN_NAME.search(name):
        return  # a mugshot: the person is in the file name, the picture is a face
    if _may_queue(res):
        res.meta["ocr"] = "queued"
        res.status, res.reason = "partial", f"{ocr.QUEUED} the picture is queued for OCR"
        return
    if not ocr.enabled():
        res.meta["ocr"] = "off"
        return
    if not ocr.available():
        res.meta["ocr"] = "no engine installed"
        return
    from PIL import Image, ImageSequence

    budget = ocr.Budget()
    with Image.open(path) as im:
        frames = getattr(im, "n_frames", 1)
        for n, frame in enumerate(ImageSequence.Iterator(im)):
            if budget.left() <= 0:
                res.status = "partial"
                res.reason = f"OCR stopped after {budget.spent():.0f} s (budget) at frame {n + 1} of {frames}"
                break
            lines = ocr.ocr_image(frame.copy())
            text = "\n".join(x.text for x in lines)
            loc = {"page": n} if frames > 1 else {}
            res.records.extend(people_in_text(text, loc, kind="ocr"))
            _text_block(res, "ocr", loc, text)
            if n >= 500:
                break
    res.meta["ocr_seconds"] = round(budget.spent(), 2)


def _image_meta(res: FileResult, path: Path) -> None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            exif = {Image.ExifTags.TAGS.get(k, str(k)): _jsonable(v) for k, v in im.getexif().items()}
            res.meta = {"width": im.width, "height": im.height, "frames": getattr(im, "n_frames", 1), "exif": exif}
    except Exception as exc:
        raise FileError("corrupt", f"image does not decode: {exc}") from exc


# --- archives and attachments ------------------------------------------------------------------

MAX_DEPTH = 5


def _archive(res: FileResult, path: Path, kind: str, unpack_dir: Path | None) -> None:
    depth = res.path.count("!")
    if depth >= MAX_DEPTH:
        raise FileError("unsupported", f"an archive nested {depth} levels deep: not expanded (limit {MAX_DEPTH})")
    if unpack_dir is None:
        with tempfile.TemporaryDirectory(prefix="izdesh-list-") as tmp:
            exp = archives.expand(path, kind, Path(tmp), display=res.path)
            res.meta["members"] = [m.name for m in exp.members][:1000]
    else:
        dest = Path(tempfile.mkdtemp(prefix="a-", dir=unpack_dir))
        exp = archives.expand(path, kind, dest, display=res.path)
        for m in exp.members:
            res.members.append(
                {
                    "path": str(m.path) if m.path else None,
                    "rel": f"{res.path}!{m.name}",
                    "status": m.status,
                    "reason": m.reason,
                    "size": m.size,
                    "raw_name": m.raw_name,
                }
            )
    res.meta["member_count"] = len(exp.members)
    if exp.status != "ok" or exp.reason:
        if exp.status in ("encrypted", "corrupt", "empty") and not any(m.path for m in exp.members):
            res.members = [dict(m, path=None) for m in res.members]
        res.status, res.reason = exp.status, exp.reason


def _attachments(res: FileResult, items: list[tuple[str, bytes]], unpack_dir: Path | None) -> None:
    res.meta["attachments"] = [n for n, _ in items][:200]
    if unpack_dir is None:
        return
    dest = Path(tempfile.mkdtemp(prefix="m-", dir=unpack_dir))
    seen: set[str] = set()
    for n, data in items:
        name = archives.clean_name(n) or "attachment"
        base, k = name, 1
        while name in seen:
            k += 1
            name = f"{base}~{k}"
        seen.add(name)
        out = dest / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        res.members.append({"path": str(out), "rel": f"{res.path}!{name}", "status": None, "reason": None,
                            "size": len(data), "raw_name": n if n != name else None})  # fmt: skip


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
