"""Make zip containers (docx, pptx, xlsx) byte-reproducible.

Office writers stamp every zip member with the wall-clock time, and member order can follow
dictionary or part-graph order. ``normalise_zip`` rewrites a zip with one fixed member date and a
fixed member order, copying each member's compressed bytes as they are (no recompression, so it
costs about a millisecond for a small document).

Order: ``[Content_Types].xml`` first (Office and some sniffers expect it there), then
``_rels/.rels``, then every other member sorted by name.
"""

from __future__ import annotations

import struct
import zipfile
from datetime import datetime
from pathlib import Path

_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # local file header, 30 bytes
_CENTRAL = struct.Struct("<4sBBBBHHHHIIIHHHHHII")  # central directory entry, 46 bytes
_END = struct.Struct("<4sHHHHIIH")  # end of central directory, 22 bytes

_FIRST = ("[Content_Types].xml", "_rels/.rels")

DEFAULT_WHEN = datetime(2018, 1, 1)


def _dos_time(when: datetime) -> tuple[int, int]:
    d = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    t = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    return d, t


def _order(names: list[str]) -> list[str]:
    first = [n for n in _FIRST if n in names]
    return first + sorted(n for n in names if n not in _FIRST)


def normalise_zip_bytes(data: bytes, when: datetime = DEFAULT_WHEN) -> bytes:
    """The same archive with every member dated ``when``, in fixed order, without extra fields."""
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    if len(infos) != len(set(infos)):  # pragma: no cover - duplicate names never come from writers
        raise ValueError("duplicate member names")
    ddate, dtime = _dos_time(when)
    out = bytearray()
    central = bytearray()
    for name in _order(list(infos)):
        info = infos[name]
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
            raise ValueError("zip64 members are not supported")
        off = info.header_offset
        sig, _v, _flag, _meth, _t, _d, _crc, _cs, _us, nlen, xlen = _LOCAL.unpack_from(data, off)
        if sig != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {name}")
        start = off + _LOCAL.size + nlen + xlen
        raw = data[start : start + info.compress_size]
        fname = name.encode("utf-8")
        flag = 0x800 if not fname.isascii() else 0  # UTF-8 names; no data descriptor
        if info.compress_type == zipfile.ZIP_DEFLATED:
            flag |= info.flag_bits & 0x6  # keep the deflate-level bits as written
        header_offset = len(out)
        out += _LOCAL.pack(
            b"PK\x03\x04", 20, flag, info.compress_type, dtime, ddate, info.CRC,
            info.compress_size, info.file_size, len(fname), 0,
        )
        out += fname
        out += raw
        central += _CENTRAL.pack(
            b"PK\x01\x02", 20, 0, 20, 0, flag, info.compress_type, dtime, ddate, info.CRC,
            info.compress_size, info.file_size, len(fname), 0, 0, 0, 0, 0, header_offset,
        )
        central += fname
    cd_offset = len(out)
    out += central
    out += _END.pack(b"PK\x05\x06", 0, 0, len(infos), len(infos), len(central), cd_offset, 0)
    return bytes(out)


def normalise_zip(path: str | Path, when: datetime = DEFAULT_WHEN) -> None:
    """Rewrite the zip at ``path`` in place with fixed member dates and order."""
    p = Path(path)
    p.write_bytes(normalise_zip_bytes(p.read_bytes(), when))
