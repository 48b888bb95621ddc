"""Damage that real leaked archives carry: cut-off files, empty files, password-protected Office
files, files whose extension lies about their content.

Each function changes the file in place (``misname`` renames it) and returns a short note for
``FileTruth.note``. All are deterministic: ``truncate`` cuts where the rng says, and
``encrypt_ooxml`` derives its salts and keys from the file's bytes and the password instead of
the OS random source, so the same input gives the same encrypted bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import threading
from datetime import datetime
from pathlib import Path

_PATCH_LOCK = threading.Lock()


def truncate(path: str | Path, rng: random.Random) -> str:
    """Cut the file at 20-80 % of its length (a download or copy that stopped mid-way)."""
    p = Path(path)
    data = p.read_bytes()
    if len(data) < 2:
        raise ValueError(f"{p}: too small to truncate ({len(data)} bytes)")
    keep = max(1, min(len(data) - 1, int(len(data) * rng.uniform(0.2, 0.8))))
    p.write_bytes(data[:keep])
    return f"truncated at {keep} of {len(data)} bytes"


def zero_byte(path: str | Path) -> str:
    """Empty the file (0 bytes: a failed copy)."""
    p = Path(path)
    size = p.stat().st_size if p.exists() else 0
    p.write_bytes(b"")
    return f"emptied to 0 bytes (was {size})"


@contextlib.contextmanager
def _seeded_msoffcrypto(seed: bytes, when: datetime):
    """Make msoffcrypto's agile encryption reproducible: salts/keys from ``seed``, the OLE
    directory times from ``when``. Patches two module globals for the duration (under a lock)."""
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    rnd = random.Random(seed)

    class _FixedClock(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ARG003
            return when

    with _PATCH_LOCK:
        old_buf, old_dt = ecma376_agile._random_buffer, ecma376_encrypted.datetime
        ecma376_agile._random_buffer = lambda n: rnd.randbytes(n)
        ecma376_encrypted.datetime = _FixedClock
        try:
            yield
        finally:
            ecma376_agile._random_buffer = old_buf
            ecma376_encrypted.datetime = old_dt


def encrypt_ooxml(
    path: str | Path,
    password: str,
    *,
    when: datetime = datetime(2018, 1, 1),
    spin_count: int = 100000,
) -> str:
    """Password-protect an OOXML file (docx/xlsx/pptx) in place with Office "agile" encryption,
    as Word/Excel do (an OLE container holding EncryptionInfo + EncryptedPackage).

    ``spin_count`` is Office's 100,000 by default (about 0.1 s per file); tests may lower it.
    """
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method.ecma376_agile import ECMA376Agile

    p = Path(path)
    data = p.read_bytes()
    OOXMLFile(io.BytesIO(data))  # raises on a file that is not OOXML
    seed = hashlib.sha256(data + b"\0" + password.encode("utf-8")).digest()
    with _seeded_msoffcrypto(seed, when):
        out = ECMA376Agile.encrypt(password, io.BytesIO(data), spin_count=spin_count)
    p.write_bytes(out)
    return "password-protected (Office agile encryption)"


def misname(path: str | Path, new_suffix: str) -> str:
    """Rename the file to carry ``new_suffix`` (e.g. an .xlsx saved as .xls, a .csv as .xlsx, a
    .jpg as .png); the content is unchanged. The new path is ``path.with_suffix(new_suffix)``."""
    p = Path(path)
    if not new_suffix.startswith("."):
        new_suffix = "." + new_suffix
    q = p.with_suffix(new_suffix)
    if q == p:
        raise ValueError(f"{p} already has suffix {new_suffix}")
    if q.exists():
        raise FileExistsError(q)
    p.rename(q)
    return f"{p.suffix.lstrip('.') or 'no suffix'} content named .{new_suffix.lstrip('.')}"
