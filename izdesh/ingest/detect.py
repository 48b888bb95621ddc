"""File type by content, not by name: a leak is full of files saved under the wrong extension."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF8", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"AT&TFORM", "djvu"),
    (b"{\\rtf", "rtf"),
)


def detect(path: Path) -> str:
    """A short type name: xlsx, xls, docx, doc, pptx, ppt, ods, odt, zip, pdf, jpeg, png, csv, text,
    ole2-encrypted (an encrypted OOXML file is an OLE2 container), empty, binary."""
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head:
        return "empty"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(path)
    if head.startswith(OLE2):
        return _ole_kind(path)
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    return _text_kind(head)


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mime = zf.read("mimetype").decode("ascii", "replace").strip()
                return {
                    "application/vnd.oasis.opendocument.spreadsheet": "ods",
                    "application/vnd.oasis.opendocument.text": "odt",
                    "application/vnd.oasis.opendocument.presentation": "odp",
                }.get(mime, "zip")
    except Exception:  # BadZipFile, OSError, ValueError, and (found by fuzzing) NotImplementedError for
        # an unknown zip version or method, RuntimeError for an encrypted member, zlib.error...
        # A truncated zip loses its central directory; the local headers still tell the kind.
        with path.open("rb") as fh:
            head = fh.read(65536)
        names = {n.decode("utf-8", "replace") for n in _local_names(head)}
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    return "zip"


def _local_names(head: bytes) -> list[bytes]:
    names, i = [], head.find(b"PK\x03\x04")
    while 0 <= i and i + 30 <= len(head):
        n = int.from_bytes(head[i + 26 : i + 28], "little")
        names.append(head[i + 30 : i + 30 + n])
        i = head.find(b"PK\x03\x04", i + 30 + n)
    return names


def _ole_kind(path: Path) -> str:
    # Stream names are stored UTF-16LE in the directory sectors; a scan of the raw bytes is enough
    # to tell the Office kinds apart without an OLE parser.
    data = path.read_bytes()[:2_000_000]

    def has(name: str) -> bool:
        return name.encode("utf-16-le") in data

    if has("EncryptionInfo") or has("EncryptedPackage"):
        return "ole2-encrypted"
    if has("Workbook") or has("Book"):
        return "xls"
    if has("WordDocument"):
        return "doc"
    if has("PowerPoint Document"):
        return "ppt"
    if has("__substg1.0_"):
        return "msg"
    return "ole2"


def _decodes(head: bytes, encoding: str) -> bool:
    # Incremental: the sample may end inside a multi-byte character.
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _text_kind(head: bytes) -> str:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return "text"
    if b"\x00" in head:
        return "binary"
    if not any(_decodes(head, enc) for enc in ("utf-8", "gb18030")):
        return "binary"
    stripped = head.lstrip()
    if stripped[:5].lower() in (b"<html", b"<!doc"):
        return "html"
    if stripped[:5] == b"<?xml":
        return "xml"
    return "text"
