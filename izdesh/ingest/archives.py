"""Archive expansion: zip, 7z, rar, tar (plain, .gz, .bz2, .xz) and single gzip/bzip2/xz streams.

Every member becomes a file of its own, stored as ``archive.zip!inner/path`` (nested archives chain:
``a.zip!x/b.7z!y``). A member that cannot or must not be extracted still gets a fate, so nothing is
dropped silently.

Safety, because a leak is hostile input:
- member names are cleaned before anything touches the disk: absolute paths, drive letters and
  ``..`` components are removed ("../../etc/x" is extracted as "etc/x" inside the unpack folder);
- symbolic and hard links, devices and fifos are never created: the member is reported instead;
- sizes are counted while decompressing, never trusted from headers: a member or an archive that
  expands beyond the limits (zip bombs) is cut off and reported;
- encrypted members are reported ``encrypted``, never guessed at;
- a truncated archive yields what can be read (zip: local headers are scanned when the central
  directory is gone; tar: members before the break), and its fate says what was lost.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import re
import shutil
import stat
import struct
import subprocess
import tarfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

ARCHIVE_KINDS = {"zip", "7z", "rar", "tar", "gzip", "bzip2", "xz"}

_MiB = 1 << 20


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


@dataclass(slots=True)
class Limits:
    """What one archive may expand to. Defaults can be changed with environment variables."""

    max_member: int = field(default_factory=lambda: _env_int("IZDESH_ARCHIVE_MAX_MEMBER", 1024 * _MiB))
    max_total: int = field(default_factory=lambda: _env_int("IZDESH_ARCHIVE_MAX_TOTAL", 4096 * _MiB))
    max_ratio: int = field(default_factory=lambda: _env_int("IZDESH_ARCHIVE_MAX_RATIO", 200))
    ratio_floor: int = 8 * _MiB  # the ratio limit applies to members expanding beyond this
    max_members: int = field(default_factory=lambda: _env_int("IZDESH_ARCHIVE_MAX_MEMBERS", 100_000))


@dataclass(slots=True)
class Member:
    name: str  # cleaned path inside the archive, "/"-separated: the part after "!"
    path: Path | None = None  # the extracted file, None when not extracted
    status: str | None = None  # a fate decided here (encrypted, corrupt, unsupported, partial); None: read it
    reason: str | None = None
    raw_name: str | None = None  # the name as the archive writes it, when it had to be cleaned
    size: int | None = None  # declared size


@dataclass(slots=True)
class Expansion:
    members: list[Member] = field(default_factory=list)
    status: str = "ok"
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


class _TooBig(Exception):
    pass


# --- names -------------------------------------------------------------------------------------


def clean_name(raw: str) -> str:
    """A member name safe to create under the unpack folder: no root, drive, '.' or '..' parts."""
    name = raw.replace("\\", "/")
    parts = []
    for part in name.split("/"):
        part = part.strip()
        if part in ("", ".", ".."):
            continue
        if re.fullmatch(r"[A-Za-z]:", part):
            continue
        part = part.replace("\x00", "")
        parts.append(part[:200])
    return "/".join(parts)


class _Names:
    """Unique cleaned names within one archive (two raw names may clean to the same one)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.n = 0

    def take(self, raw: str) -> tuple[str, str | None]:
        self.n += 1
        name = clean_name(raw) or f"unnamed-{self.n}"
        base, k = name, 1
        while name in self.seen:
            k += 1
            name = f"{base}~{k}"
        self.seen.add(name)
        return name, (raw if name != raw else None)


# --- writing with limits -----------------------------------------------------------------------


class _Budget:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0

    def check_declared(self, size: int | None, packed: int | None) -> str | None:
        """A reason to refuse a member before decompressing it, or None."""
        lim = self.limits
        if size is None:
            return None
        if size > lim.max_member:
            return f"declares {size:,} bytes, over the {lim.max_member:,}-byte member limit (possible archive bomb)"
        if self.total + size > lim.max_total:
            return f"would take the archive past its {lim.max_total:,}-byte limit (possible archive bomb)"
        if packed and size > lim.ratio_floor and size / max(packed, 1) > lim.max_ratio:
            return (
                f"expands {size / max(packed, 1):,.0f}:1 ({packed:,} to {size:,} bytes), over the "
                f"{lim.max_ratio}:1 limit (possible archive bomb)"
            )
        return None

    def copy(self, src: IO[bytes], dest: Path, packed: int | None = None, keep_partial: bool = False) -> int:
        """Stream src to dest, counting; raises _TooBig past the limits (dest is removed)."""
        lim = self.limits
        n = 0
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with dest.open("wb") as out:
                while True:
                    block = src.read(1 << 16)
                    if not block:
                        break
                    n += len(block)
                    self.total += len(block)
                    if n > lim.max_member:
                        raise _TooBig(f"expands past the {lim.max_member:,}-byte member limit (possible archive bomb)")
                    if self.total > lim.max_total:
                        raise _TooBig(f"takes the archive past its {lim.max_total:,}-byte limit (possible archive bomb)")
                    if packed is not None and n > lim.ratio_floor and n / max(packed, 1) > lim.max_ratio:
                        raise _TooBig(
                            f"expands more than {lim.max_ratio}:1 ({packed:,} bytes packed, cut at {n:,}) "
                            "(possible archive bomb)"
                        )
                    out.write(block)
        except _TooBig:
            dest.unlink(missing_ok=True)
            raise
        except BaseException:
            if not keep_partial or n == 0:
                dest.unlink(missing_ok=True)
            raise
        return n


def _dest(root: Path, name: str) -> Path:
    p = (root / name).resolve()
    if not str(p).startswith(str(root.resolve()) + os.sep):  # belt and braces after clean_name
        raise _TooBig(f"path {name!r} leaves the unpack folder")
    return p


# --- entry point -------------------------------------------------------------------------------


def expand(path: Path, kind: str, dest: Path, limits: Limits | None = None, *, display: str = "") -> Expansion:
    """Extract the archive at `path` (detected as `kind`) into the folder `dest`."""
    limits = limits or Limits()
    dest.mkdir(parents=True, exist_ok=True)
    display = display or path.name
    if kind == "zip":
        exp = _zip(path, dest, limits)
    elif kind == "7z":
        exp = _7z(path, dest, limits, display)
    elif kind == "rar":
        exp = _rar(path, dest, limits)
    elif kind in ("tar", "gzip", "bzip2", "xz"):
        exp = _tar_or_stream(path, kind, dest, limits, display)
    else:
        raise ValueError(f"not an archive kind: {kind}")
    _settle(exp)
    return exp


def _settle(exp: Expansion) -> None:
    """The archive's own fate from its members'."""
    if exp.status in ("encrypted", "corrupt") and not any(m.path for m in exp.members):
        return
    read = [m for m in exp.members if m.path is not None]
    if any(m.status == "partial" for m in read) and exp.status == "ok":
        exp.status = "partial"
        cut = [m.name for m in read if m.status == "partial"]
        exp.reason = _join(exp.reason, "truncated member(s): " + ", ".join(cut[:10]))
    failed = [m for m in exp.members if m.path is None and m.status in ("encrypted", "corrupt", "refused")]
    for m in exp.members:
        if m.status == "refused":  # not a store status: a refused member was not extracted
            m.status = "unsupported"
    if not exp.members and exp.status == "ok":
        exp.status = "empty"
        exp.reason = exp.reason or "the archive holds no files"
        return
    if failed and not read:
        enc = [m for m in failed if m.status == "encrypted"]
        exp.status = "encrypted" if len(enc) == len(failed) else "corrupt"
        what = "; ".join(f"{m.name}: {m.reason}" for m in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        lead = "password protected" if exp.status == "encrypted" else "no member could be read"
        exp.reason = _join(exp.reason, f"{lead}: {what}{more}")
    elif failed or exp.status == "partial":
        exp.status = "partial"
        if failed:
            what = ", ".join(m.name for m in failed[:10])
            more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
            exp.reason = _join(exp.reason, f"{len(read)} of {len(exp.members)} members read; failed: {what}{more}")
    if exp.notes:
        exp.reason = _join(exp.reason, "; ".join(exp.notes[:5]))


def _join(a: str | None, b: str) -> str:
    return f"{a}; {b}" if a else b


# --- zip ---------------------------------------------------------------------------------------


def _zip(path: Path, dest: Path, limits: Limits) -> Expansion:
    exp = Expansion()
    try:
        zf = zipfile.ZipFile(path)
    except Exception as exc:  # BadZipFile, OSError, ValueError; NotImplementedError (an unknown zip
        # version) and UnicodeDecodeError (a member name) found by fuzzing: salvage from local headers
        return _zip_salvage(path, dest, limits, f"zip directory unreadable ({exc})")
    budget, names = _Budget(limits), _Names()
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            exp.notes.append(f"only the first {limits.max_members:,} of {len(infos):,} members read")
            exp.status = "partial"
            infos = infos[: limits.max_members]
        for info in infos:
            if info.filename[-1:] in ("/", ""):  # is_dir() raises IndexError on an empty name (fuzzing)
                continue
            name, raw = names.take(info.filename)
            m = Member(name, raw_name=raw, size=info.file_size)
            exp.members.append(m)
            if raw is not None and clean_name(raw) != raw.replace("\\", "/").strip("/"):
                exp.notes.append(f"unsafe member name {raw!r} stored as {name!r}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                try:  # the link's target is the member's content: it can be as damaged as any other
                    target = zf.read(info)[:500].decode("utf-8", "replace") if info.file_size < 4096 else "?"
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
                    m.status, m.reason = "corrupt", f"a symbolic link whose target does not read: {exc}"
                    continue
                _link(m, target, name)
                continue
            if info.flag_bits & 0x1:
                m.status, m.reason = "encrypted", "the member is password protected"
                continue
            why = budget.check_declared(info.file_size, info.compress_size)
            if why:
                m.status, m.reason = "refused", f"not extracted: {why}"
                continue
            try:
                out = _dest(dest, name)
                with zf.open(info) as src:
                    budget.copy(src, out, info.compress_size)
                m.path = out
            except _TooBig as exc:
                m.status, m.reason = "refused", f"not extracted: {exc}"
            except NotImplementedError as exc:
                m.status, m.reason = "unsupported", f"compression method not supported: {exc}"
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError) as exc:
                m.status, m.reason = "corrupt", f"member does not decompress: {exc}"
    return exp


def _link(m: Member, target: str, name: str) -> None:
    outside = target.startswith(("/", "\\")) or ".." in PurePosixPath(target.replace("\\", "/")).parts
    where = "pointing outside the archive" if outside else "inside the archive"
    m.status = "refused" if outside else "unsupported"
    m.reason = f"a symbolic link to {target!r} ({where}), not followed"


def _zip_salvage(path: Path, dest: Path, limits: Limits, why: str) -> Expansion:
    """A zip without its central directory (truncated): read the members from their local headers."""
    exp = Expansion(status="partial", reason=why)
    data = path.read_bytes()
    budget, names = _Budget(limits), _Names()
    i = data.find(b"PK\x03\x04")
    while 0 <= i and len(exp.members) < limits.max_members:
        if i + 30 > len(data):
            break
        (_sig, _ver, flags, method, _t, _d, _crc, csize, usize, nlen, xlen) = struct.unpack(
            "<IHHHHHIIIHH", data[i : i + 30]
        )
        raw = data[i + 30 : i + 30 + nlen].decode("utf-8" if flags & 0x800 else "cp437", "replace")
        start = i + 30 + nlen + xlen
        if raw.endswith("/"):
            i = data.find(b"PK\x03\x04", start)
            continue
        name, rawn = names.take(raw)
        m = Member(name, raw_name=rawn, size=usize or None)
        exp.members.append(m)
        nxt = data.find(b"PK\x03\x04", start + (csize if not flags & 0x8 else 0))
        if flags & 0x1:
            m.status, m.reason = "encrypted", "the member is password protected"
            i = nxt
            continue
        try:
            if method == 0:
                if flags & 0x8:
                    raise ValueError("stored member without sizes")
                body = data[start : start + csize]
            elif method == 8:
                d = zlib.decompressobj(-15)
                body = d.decompress(data[start:], limits.max_member + 1)
                if not d.eof:
                    m.status = "partial"
                    m.reason = "truncated in the archive: only the beginning could be read"
                if flags & 0x8 and d.eof:
                    nxt = data.find(b"PK\x03\x04", len(data) - len(d.unused_data))
            else:
                raise NotImplementedError(f"method {method}")
            if not flags & 0x8 and len(data) < start + csize:
                m.status, m.reason = "partial", "truncated in the archive: only the beginning could be read"
            why = budget.check_declared(len(body), csize or None)
            if why:
                raise _TooBig(why)
            out = _dest(dest, name)
            budget.copy(io.BytesIO(body), out, csize or None)
            if m.status == "partial" and not body:
                m.status, m.reason = "corrupt", "truncated in the archive: no data left"
                out.unlink(missing_ok=True)
            else:
                m.path = out
        except _TooBig as exc:
            m.status, m.reason = "refused", f"not extracted: {exc}"
        except NotImplementedError as exc:
            m.status, m.reason = "unsupported", f"compression method not supported ({exc})"
        except (zlib.error, ValueError, OSError) as exc:
            m.status, m.reason = "corrupt", f"member does not decompress: {exc}"
        i = nxt
    if not exp.members:
        exp.status, exp.reason = "corrupt", f"{why}; no member could be recovered"
    return exp


# --- 7z ----------------------------------------------------------------------------------------


def _7z(path: Path, dest: Path, limits: Limits, display: str) -> Expansion:
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    exp = Expansion()
    split = re.search(r"\.(?:7z\.)?0*1$", display) is not None
    try:
        z = py7zr.SevenZipFile(path)
    except py7zr.PasswordRequired:
        return Expansion(status="encrypted", reason="7z archive with encrypted headers (password protected)")
    except (py7zr.Bad7zFile, EOFError, OSError, ValueError, KeyError, IndexError, TypeError, Exception) as exc:
        lead = "the first volume of a split archive; the others are missing" if split else "7z archive does not open"
        return Expansion(status="corrupt", reason=f"{lead}: {type(exc).__name__}: {exc}")
    budget, names = _Budget(limits), _Names()
    with z:
        try:
            encrypted = z.needs_password()
        except Exception:
            encrypted = False
        files = list(z.files)
        targets: dict[str, Member] = {}
        for f in files:
            if f.is_directory:
                continue
            name, raw = names.take(f.filename)
            m = Member(name, raw_name=raw, size=f.uncompressed)
            exp.members.append(m)
            if raw is not None and clean_name(raw) != raw.replace("\\", "/").strip("/"):
                exp.notes.append(f"unsafe member name {raw!r} stored as {name!r}")
            if f.is_symlink:
                _link(m, "?", name)
                m.reason = "a symbolic link, not followed"
                m.status = "refused"
                continue
            if encrypted:
                m.status, m.reason = "encrypted", "the member is password protected"
                continue
            if f.emptystream:
                out = _dest(dest, name)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(b"")
                m.path = out
                continue
            why = budget.check_declared(f.uncompressed, f.compressed)
            if why:
                m.status, m.reason = "refused", f"not extracted: {why}"
                continue
            targets[f.filename] = m
        if not targets:
            return exp
        written: dict[str, Path] = {}

        class _Capped(Py7zIO):
            def __init__(self, fname: str) -> None:
                mem = targets.get(fname)
                self.out = _dest(dest, mem.name if mem else clean_name(fname) or "unnamed")
                self.out.parent.mkdir(parents=True, exist_ok=True)
                self.fh = self.out.open("wb")
                self.n = 0
                written[fname] = self.out

            def write(self, s: bytes | bytearray) -> int:
                self.n += len(s)
                budget.total += len(s)
                if self.n > limits.max_member or budget.total > limits.max_total:
                    raise _TooBig("expands past the size limits (possible archive bomb)")
                return self.fh.write(s)

            def read(self, size: int | None = None) -> bytes:
                return b""

            def seek(self, offset: int, whence: int = 0) -> int:
                return self.fh.seek(offset, whence)

            def flush(self) -> None:
                self.fh.flush()

            def size(self) -> int:
                return self.n

            def close(self) -> None:
                self.fh.close()

        class _Factory(WriterFactory):
            def create(self, filename: str) -> Py7zIO:
                return _Capped(filename)

        try:
            z.extract(targets=list(targets), factory=_Factory())
            error = None
        except _TooBig as exc:
            error = ("refused", f"not extracted: {exc}")
        except py7zr.PasswordRequired:
            error = ("encrypted", "the member is password protected")
        except Exception as exc:  # CRC errors, truncated streams, unsupported filters
            error = ("corrupt", f"member does not decompress: {type(exc).__name__}: {exc}")
        for fname, m in targets.items():
            out = written.get(fname)
            if out is not None and out.exists() and (error is None or (m.size is not None and out.stat().st_size == m.size)):
                m.path = out
            else:
                if out is not None:
                    out.unlink(missing_ok=True)
                m.status, m.reason = error or ("corrupt", "member missing from the decompressed data")
    return exp


# --- rar ---------------------------------------------------------------------------------------


def _rar(path: Path, dest: Path, limits: Limits) -> Expansion:
    """rarfile reads the listing (pure Python); bsdtar (libarchive) decompresses, with a file size
    cap and a timeout. Members that are links or encrypted are never handed to the tool."""
    import rarfile

    exp = Expansion()
    budget, names = _Budget(limits), _Names()
    try:
        rf = rarfile.RarFile(str(path))
        infos = rf.infolist()
        header_encrypted = False
    except rarfile.PasswordRequired:
        return Expansion(status="encrypted", reason="rar archive with encrypted headers (password protected)")
    except (rarfile.Error, OSError, EOFError, ValueError) as exc:
        infos, rf = [], None
        exp.status, exp.reason = "partial", f"rar listing unreadable ({type(exc).__name__}: {exc})"
        header_encrypted = False
    wanted: dict[str, Member] = {}
    for info in infos:
        if info.is_dir():
            continue
        name, raw = names.take(info.filename)
        m = Member(name, raw_name=raw, size=info.file_size)
        exp.members.append(m)
        if info.is_symlink():
            _link(m, "?", name)
            m.status, m.reason = "refused", "a symbolic link, not followed"
            continue
        if info.needs_password() or header_encrypted:
            m.status, m.reason = "encrypted", "the member is password protected"
            continue
        if raw is not None:
            m.status, m.reason = "refused", f"unsafe member name {raw!r}, not extracted"
            continue
        why = budget.check_declared(info.file_size, info.compress_size)
        if why:
            m.status, m.reason = "refused", f"not extracted: {why}"
            continue
        wanted[info.filename.replace("\\", "/")] = m
    if rf is not None and not wanted:
        return exp
    bsdtar = shutil.which("bsdtar")
    if bsdtar is None:
        for m in wanted.values():
            m.status, m.reason = "unsupported", "no rar decompressor installed (bsdtar from libarchive-tools)"
        return exp
    work = dest / ".rar-out"
    work.mkdir(parents=True, exist_ok=True)
    cap = limits.max_member

    def _cap() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    cmd = [bsdtar, "-x", "--no-same-owner", "--no-same-permissions", "-f", str(path), "-C", str(work)]
    try:
        proc = subprocess.run(
            cmd + list(wanted), capture_output=True, timeout=300, preexec_fn=_cap, check=False
        ) if wanted else subprocess.run(cmd, capture_output=True, timeout=300, preexec_fn=_cap, check=False)
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    except subprocess.TimeoutExpired:
        err = ["decompression timed out"]
    tool_msg = err[-1] if err else "not produced by the decompressor"
    if rf is None:  # no listing: take whatever the tool wrote, never links
        for p in sorted(work.rglob("*")):
            if p.is_symlink() or not p.is_file():
                continue
            rel = p.relative_to(work).as_posix()
            name, raw = names.take(rel)
            exp.members.append(Member(name, path=p))
        if not exp.members:
            exp.status = "corrupt"
            exp.reason = _join(exp.reason, f"nothing could be extracted ({tool_msg})")
        return exp
    for fname, m in wanted.items():
        p = work / fname
        if p.is_file() and not p.is_symlink() and (m.size is None or p.stat().st_size == m.size):
            m.path = p
        else:
            if p.is_file():
                p.unlink(missing_ok=True)
            m.status, m.reason = "corrupt", f"member does not decompress ({tool_msg})"
    return exp


# --- tar and single compressed streams ---------------------------------------------------------

_STREAMS = {"gzip": (gzip.open, ".gz"), "bzip2": (bz2.open, ".bz2"), "xz": (lzma.open, ".xz")}


def _tar_or_stream(path: Path, kind: str, dest: Path, limits: Limits, display: str) -> Expansion:
    try:
        tf = tarfile.open(path, "r:*")
    except tarfile.ReadError as exc:
        if kind == "tar":
            return Expansion(status="corrupt", reason=f"tar archive does not open: {exc}")
        return _stream(path, kind, dest, limits, display)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        if kind == "tar":
            return Expansion(status="corrupt", reason=f"tar archive does not open: {exc}")
        return _stream(path, kind, dest, limits, display)
    exp = Expansion()
    budget, names = _Budget(limits), _Names()
    with tf:
        while True:
            try:
                ti = tf.next()
            except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
                exp.status = "partial"
                exp.reason = f"the archive breaks off after {len(exp.members)} members ({type(exc).__name__}: {exc})"
                break
            if ti is None:
                break
            if ti.isdir():
                continue
            if len(exp.members) >= limits.max_members:
                exp.status = "partial"
                exp.notes.append(f"only the first {limits.max_members:,} members read")
                break
            name, raw = names.take(ti.name)
            m = Member(name, raw_name=raw, size=ti.size if ti.isfile() else None)
            exp.members.append(m)
            if raw is not None and clean_name(raw) != raw.strip("/").removeprefix("./"):
                exp.notes.append(f"unsafe member name {raw!r} stored as {name!r}")
            if ti.issym() or ti.islnk():
                _link(m, ti.linkname, name)
                if ti.islnk():
                    m.reason = m.reason.replace("symbolic", "hard") if m.reason else None
                continue
            if not ti.isfile():
                m.status, m.reason = "unsupported", "a device, fifo or other special file, not extracted"
                continue
            why = budget.check_declared(ti.size, None)
            if why:
                m.status, m.reason = "refused", f"not extracted: {why}"
                continue
            try:
                src = tf.extractfile(ti)
                if src is None:
                    raise OSError("no data")
                out = _dest(dest, name)
                n = budget.copy(src, out, keep_partial=True)
                if n < ti.size:
                    m.status = "partial"
                    m.reason = f"truncated in the archive: {n:,} of {ti.size:,} bytes"
                m.path = out
            except _TooBig as exc:
                m.status, m.reason = "refused", f"not extracted: {exc}"
            except (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError) as exc:
                got = out.stat().st_size if out.exists() else 0
                if got:
                    m.path, m.status = out, "partial"
                    m.reason = f"truncated in the archive: {got:,} of {ti.size:,} bytes"
                else:
                    m.status, m.reason = "corrupt", f"member does not read: {type(exc).__name__}: {exc}"
                exp.status = "partial"
                exp.reason = f"the archive breaks off inside {name!r}"
                break
    return exp


def _stream(path: Path, kind: str, dest: Path, limits: Limits, display: str) -> Expansion:
    """One gzip/bzip2/xz stream: one member named like the archive without its suffix."""
    opener, suffix = _STREAMS[kind]
    base = Path(display.split("!")[-1]).name
    inner = base[: -len(suffix)] if base.lower().endswith(suffix) else base + ".out"
    if kind == "gzip":
        inner = _gzip_name(path) or inner
    name = clean_name(inner) or "unnamed"
    exp = Expansion()
    m = Member(name)
    exp.members.append(m)
    budget = _Budget(limits)
    out = _dest(dest, name)
    packed = path.stat().st_size
    try:
        with opener(path, "rb") as src:  # type: ignore[operator]
            budget.copy(src, out, packed)
        m.path = out
    except _TooBig as exc:
        m.status, m.reason = "refused", f"not extracted: {exc}"
    except (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError) as exc:
        # Keep what was decompressed before the break.
        try:
            got = _partial_stream(opener, path, out, limits)
        except Exception:
            got = 0
        if got:
            m.path = out
            exp.status = "partial"
            exp.reason = f"the compressed stream breaks off after {got:,} bytes ({exc})"
        else:
            exp.status, exp.reason = "corrupt", f"{kind} stream does not decompress: {exc}"
            m.status, m.reason = "corrupt", f"{kind} stream does not decompress: {exc}"
    return exp


def _partial_stream(opener: Any, path: Path, out: Path, limits: Limits) -> int:
    """Decompress a broken stream incrementally and keep everything before the break."""
    kind = {gzip.open: "gzip", bz2.open: "bzip2", lzma.open: "xz"}.get(opener, "gzip")
    d: Any = {"gzip": lambda: zlib.decompressobj(31), "bzip2": bz2.BZ2Decompressor, "xz": lzma.LZMADecompressor}[kind]()
    n = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as fh, path.open("rb") as src:
        try:
            while n < limits.max_member:
                block = src.read(1 << 16)
                if not block:
                    break
                piece = d.decompress(block)
                fh.write(piece)
                n += len(piece)
                if getattr(d, "eof", False):
                    break
        except (EOFError, OSError, zlib.error, lzma.LZMAError, ValueError):
            pass
    if n == 0:
        out.unlink(missing_ok=True)
    return n


def _gzip_name(path: Path) -> str | None:
    with path.open("rb") as fh:
        head = fh.read(1024)
    if len(head) < 10 or not head[3] & 0x08:
        return None
    i = 10
    if head[3] & 0x04:
        i += 2 + int.from_bytes(head[10:12], "little")
    end = head.find(b"\x00", i)
    if end < 0:
        return None
    return Path(head[i:end].decode("latin-1").replace("\\", "/")).name or None


# --- reopening a stored member -----------------------------------------------------------------


def member_file(root: Path, stored: str, dest: Path) -> Path:
    """The bytes of a stored path such as "a.zip!x/b.7z!y.xlsx" (or "mail.eml!att.docx"), written
    under `dest` (a folder the caller removes). `root` is the folder the path is relative to.
    Each level is expanded again with the same limits; raises FileNotFoundError when a level is
    missing or no longer extracts."""
    from izdesh.ingest.detect import detect

    parts = stored.split("!")
    current = root / parts[0]
    if not current.is_file():
        raise FileNotFoundError(str(current))
    for depth, name in enumerate(parts[1:], start=1):
        kind = detect(current)
        level = dest / f"level-{depth}"
        if kind in ARCHIVE_KINDS:
            exp = expand(current, kind, level, display="!".join(parts[:depth]))
            found = next((m.path for m in exp.members if m.name == name and m.path is not None), None)
        else:  # a mail: its attachments
            from izdesh.ingest import documents

            head = current.read_bytes()[:16384]
            mail_kind = "msg" if kind == "msg" else (documents.sniff_text_kind(head) or "eml")
            doc = documents.read_msg(current) if mail_kind == "msg" else documents.read_email(current, mail_kind)
            found = None
            seen: set[str] = set()
            for att_name, data in doc.attachments:  # the same naming as extract._attachments
                n = clean_name(att_name) or "attachment"
                base, k = n, 1
                while n in seen:
                    k += 1
                    n = f"{base}~{k}"
                seen.add(n)
                if n == name:
                    found = level / "attachment"
                    found.parent.mkdir(parents=True, exist_ok=True)
                    found.write_bytes(data)
                    break
        if found is None:
            raise FileNotFoundError(f"{name!r} not found in {'!'.join(parts[:depth])}")
        current = found
    return current
