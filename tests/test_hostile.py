"""Hostile input: archive bombs, XXE and entity expansion in Office XML, path traversal and links
in archives, a sheet spanning an absurd grid, a reader that hangs. Nothing may escape the unpack
folder, read local files, exhaust memory or stop the run."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from izdesh.ingest import pipeline
from izdesh.ingest.archives import Limits, expand
from izdesh.ingest.extract import extract
from izdesh.ingest.pipeline import ingest
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import make_id

MEMET = make_id("653121", "19900101", 1)


def _fates(db: str) -> dict[str, tuple[str, str | None]]:
    with open_engine(db, readonly=True).connect() as conn:
        return {r.path: (r.status, r.reason) for r in conn.execute(select(schema.source_file))}


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("ok.csv", f"姓名,身份证号\n买买提,{MEMET}\n")
        with z.open("zeros.bin", "w", force_zip64=True) as fh:
            block = bytes(1 << 20)
            for _ in range(48):  # 48 MiB of zeros: ~47 kB packed, over 1000:1
                fh.write(block)
    assert p.stat().st_size < 200_000
    exp = expand(p, "zip", tmp_path / "out")
    by = {m.name: m for m in exp.members}
    assert by["ok.csv"].path is not None
    assert by["zeros.bin"].path is None and "bomb" in by["zeros.bin"].reason
    assert exp.status == "partial"
    assert not (tmp_path / "out" / "zeros.bin").exists()


def test_size_is_counted_not_trusted(tmp_path: Path) -> None:
    """A member whose header lies about its size is cut off by the running count."""
    p = tmp_path / "liar.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", "某" * 2_000_000)
    data = bytearray(p.read_bytes())
    # Patch the declared sizes (local header and central directory) down to 10 bytes.
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig)
        data[i + off : i + off + 4] = (10).to_bytes(4, "little")
    p.write_bytes(bytes(data))
    exp = expand(p, "zip", tmp_path / "out", Limits(max_member=1 << 20, max_total=1 << 20))
    (m,) = exp.members
    assert m.path is None or m.path.stat().st_size <= 1 << 20


def test_total_and_depth_limits(tmp_path: Path) -> None:
    p = tmp_path / "many.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_STORED) as z:
        for i in range(5):
            z.writestr(f"f{i}.bin", bytes(300_000))
    exp = expand(p, "zip", tmp_path / "out", Limits(max_total=1_000_000))
    assert sum(1 for m in exp.members if m.path) == 3 and exp.status == "partial"
    # An archive nested deeper than the limit is not expanded.
    data = b"x"
    for _ in range(7):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("inner.zip" if data != b"x" else "x.txt", data)
        data = buf.getvalue()
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "deep.zip").write_bytes(data)
    db = str(tmp_path / "d.sqlite")
    ingest([leak], db, progress=False)
    fates = _fates(db)
    deepest = max(fates, key=lambda k: k.count("!"))
    assert fates[deepest][0] == "unsupported" and "nested" in fates[deepest][1]


def test_path_traversal_and_links_stay_inside(tmp_path: Path) -> None:
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../../etc/x.csv", f"姓名,身份证号\n买买提,{MEMET}\n")
        zf.writestr("/abs/y.txt", "y")
        link = zipfile.ZipInfo("passwd")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    t = tmp_path / "evil.tar"
    with tarfile.open(t, "w") as tf:
        for name, kind, target in (("../up.txt", tarfile.REGTYPE, ""), ("sym", tarfile.SYMTYPE, "/etc/shadow"),
                                   ("hard", tarfile.LNKTYPE, "/etc/passwd")):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, target
            data = b"up" if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "evil.zip").write_bytes(z.read_bytes())
    (leak / "evil.tar").write_bytes(t.read_bytes())
    db = str(tmp_path / "e.sqlite")
    ingest([leak], db, progress=False)
    fates = _fates(db)
    assert fates["evil.zip!etc/x.csv"][0] == "ok" and fates["evil.zip!abs/y.txt"][0] == "ok"
    assert "unsafe member name" in fates["evil.zip"][1]
    assert fates["evil.zip!passwd"][0] == "unsupported" and "not followed" in fates["evil.zip!passwd"][1]
    assert fates["evil.tar!up.txt"][0] == "ok"
    assert fates["evil.tar!sym"][0] == "unsupported" and fates["evil.tar!hard"][0] == "unsupported"
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "up.txt").exists()
    with open_engine(db, readonly=True).connect() as conn:
        ids = list(conn.execute(select(schema.record.c.id_number)).scalars())
    assert ids == [MEMET]


def _docx_with(tmp_path: Path, body: str) -> Path:
    import docx

    src = tmp_path / "base.docx"
    docx.Document().save(str(src))
    out = tmp_path / "evil.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = body.encode()
            zout.writestr(item, data)
    return out


W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_xxe_docx_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-653121199001010019")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        f"<w:document {W}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>"
    )
    p = _docx_with(tmp_path, body)
    res = extract(p, p.name)
    assert res.status == "corrupt" and "DTD" in res.reason
    assert not res.records
    # Even past the pre-check, the parsers do not resolve entities.
    import docx

    d = docx.Document(str(p))
    assert "TOPSECRET" not in "".join(x.text for x in d.paragraphs)


def test_billion_laughs_docx_is_refused(tmp_path: Path) -> None:
    ents = '<!ENTITY a "ha">' + "".join(f'<!ENTITY {c} "&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};&{p};">'
                                       for p, c in zip("abcdefgh", "bcdefghi"))  # fmt: skip
    body = f'<?xml version="1.0"?><!DOCTYPE d [{ents}]><w:document {W}><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>'
    p = _docx_with(tmp_path, body)
    res = extract(p, p.name)
    assert res.status == "corrupt" and "entities" in res.reason


def test_xxe_xlsx_is_refused(tmp_path: Path) -> None:
    import xlsxwriter

    src = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(src)
    wb.add_worksheet().write_row(0, 0, ["姓名", "身份证号"])
    wb.close()
    out = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/sharedStrings.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
            zout.writestr(item, data)
    res = extract(out, out.name)
    assert res.status == "corrupt" and "DTD" in res.reason


def test_absurd_sheet_dimension_is_refused(tmp_path: Path) -> None:
    """Cells at A1 and XFD1048576: the spreadsheet reader would allocate 17 billion cells and
    abort the process; the extent is checked first."""
    import xlsxwriter

    p = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(p)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "身份证号"])
    ws.write_row(1, 0, ["买买提", MEMET])
    ws.write(1048575, 16383, "x")
    wb.close()
    res = extract(p, p.name)
    assert res.status == "corrupt" and "1,048,576 rows" in res.reason


def test_hung_reader_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import izdesh.ingest.extract as ex

    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "slow.txt").write_text("x")
    (leak / "fine.csv").write_text(f"姓名,身份证号\n买买提,{MEMET}\n")
    real = ex.extract

    def slow(abs_path: Path, rel: str, sha256: str | None = None, unpack_dir: Path | None = None):
        if rel == "slow.txt":
            time.sleep(30)
        return real(abs_path, rel, sha256, unpack_dir)

    monkeypatch.setattr(pipeline, "extract", slow)
    monkeypatch.setenv("IZDESH_FILE_TIMEOUT", "1")
    db = str(tmp_path / "h.sqlite")
    t0 = time.monotonic()
    ingest([leak], db, progress=False)
    assert time.monotonic() - t0 < 15
    fates = _fates(db)
    assert fates["slow.txt"] == ("corrupt", "timed out after 1 s") and fates["fine.csv"][0] == "ok"


def test_hung_reader_in_the_pool_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import izdesh.ingest.extract as ex

    leak = tmp_path / "leak"
    leak.mkdir()
    for i in range(4):
        (leak / f"f{i}.csv").write_text(f"姓名,身份证号\n买买提,{MEMET}\n{i}\n")
    (leak / "slow.txt").write_text("x")
    real = ex.extract

    def slow(abs_path: Path, rel: str, sha256: str | None = None, unpack_dir: Path | None = None):
        if rel == "slow.txt":
            time.sleep(60)
        return real(abs_path, rel, sha256, unpack_dir)

    monkeypatch.setattr(pipeline, "extract", slow)  # the forked workers inherit the patch
    monkeypatch.setenv("IZDESH_FILE_TIMEOUT", "2")
    db = str(tmp_path / "p.sqlite")
    t0 = time.monotonic()
    ingest([leak], db, workers=2, progress=False)
    assert time.monotonic() - t0 < 30
    fates = _fates(db)
    assert fates["slow.txt"] == ("corrupt", "timed out after 2 s")
    assert sum(1 for s, _ in fates.values() if s == "ok") == 4
