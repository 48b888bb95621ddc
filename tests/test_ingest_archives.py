"""Archives: every member one row ("a.zip!x/y"), nested archives, encrypted and truncated ones."""

from __future__ import annotations

import gzip
import io
import random
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from izdesh.ingest.archives import clean_name, expand
from izdesh.ingest.pipeline import ingest
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import make_id

MEMET = make_id("653121", "19900101", 1)
AYGUL = make_id("653121", "19850304", 22)


def _csv(name: str, idn: str) -> bytes:
    return f"姓名,身份证号码\n{name},{idn}\n".encode("gb18030")


def _fates(db: str) -> dict[str, tuple[str, str | None, int]]:
    with open_engine(db, readonly=True).connect() as conn:
        return {r.path: (r.status, r.reason, r.records) for r in conn.execute(select(schema.source_file))}


def test_nested_archives_each_member_a_row(tmp_path: Path) -> None:
    import py7zr

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("名单/a.csv", _csv("买买提·吐尔逊", MEMET))
        z.writestr("说明.txt", "无")
    tgz = io.BytesIO()
    with tarfile.open(fileobj=tgz, mode="w:gz") as t:
        for name, data in (("docs/inner.zip", inner.getvalue()), ("b.csv", _csv("阿依古丽", AYGUL))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    leak = tmp_path / "leak"
    leak.mkdir()
    (tmp_path / "bundle.tar.gz").write_bytes(tgz.getvalue())
    with py7zr.SevenZipFile(leak / "top.7z", "w") as z:
        z.write(tmp_path / "bundle.tar.gz", "bundle.tar.gz")
    db = str(tmp_path / "a.sqlite")
    s = ingest([leak], db, progress=False)
    fates = _fates(db)
    assert set(fates) == {
        "top.7z",
        "top.7z!bundle.tar.gz",
        "top.7z!bundle.tar.gz!docs/inner.zip",
        "top.7z!bundle.tar.gz!docs/inner.zip!名单/a.csv",
        "top.7z!bundle.tar.gz!docs/inner.zip!说明.txt",
        "top.7z!bundle.tar.gz!b.csv",
    }
    assert all(f[0] == "ok" for f in fates.values()), fates
    assert fates["top.7z!bundle.tar.gz!docs/inner.zip!名单/a.csv"][2] == 1
    assert s.records == 2
    with open_engine(db, readonly=True).connect() as conn:
        ids = set(conn.execute(select(schema.record.c.id_number)).scalars())
    assert ids == {MEMET, AYGUL}
    again = ingest([leak], db, progress=False)  # a re-run skips the archive and its members
    assert again.files == 0 and again.skipped == 1


def test_encrypted_7z_and_fixture(tmp_path: Path) -> None:
    import py7zr

    p = tmp_path / "locked.7z"
    with py7zr.SevenZipFile(p, "w", password="hunter2") as z:
        z.writestr(_csv("买买提", MEMET), "a.csv")
    exp = expand(p, "7z", tmp_path / "out")
    assert exp.status == "encrypted" and "password" in exp.reason
    hidden = tmp_path / "hidden.7z"  # encrypted headers: not even the names can be read
    with py7zr.SevenZipFile(hidden, "w", password="hunter2", header_encryption=True) as z:
        z.writestr(b"x", "a.txt")
    assert expand(hidden, "7z", tmp_path / "out2").status == "encrypted"


def test_truncated_zip_keeps_what_reads(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", _csv("买买提·吐尔逊", MEMET))
        z.writestr("big.txt", "某某" * 50_000)
    data = buf.getvalue()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])  # central directory gone, second member cut
    exp = expand(cut, "zip", tmp_path / "out")
    assert exp.status == "partial" and "directory" in exp.reason
    by = {m.name: m for m in exp.members}
    assert by["a.csv"].path is not None and by["a.csv"].path.read_bytes() == _csv("买买提·吐尔逊", MEMET)
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "cut.zip").write_bytes(cut.read_bytes())
    db = str(tmp_path / "c.sqlite")
    ingest([leak], db, progress=False)
    fates = _fates(db)
    assert fates["cut.zip"][0] == "partial" and fates["cut.zip!a.csv"][:1] == ("ok",)
    assert "cut.zip!big.txt" in fates


def test_truncated_tar_and_gzip_stream(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, data in (("a.csv", _csv("买买提", MEMET)), ("b.bin", bytes(range(256)) * 400)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    cut = tmp_path / "cut.tar"
    cut.write_bytes(buf.getvalue()[:70_000])
    exp = expand(cut, "tar", tmp_path / "t")
    assert exp.status == "partial"
    assert [m.name for m in exp.members if m.path] == ["a.csv", "b.bin"]
    gz = tmp_path / "名单.csv.gz"
    gz.write_bytes(gzip.compress(_csv("买买提", MEMET)))
    exp = expand(gz, "gzip", tmp_path / "g", display=gz.name)
    assert exp.status == "ok" and [m.name for m in exp.members] == ["名单.csv"]
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(random.Random(1).randbytes(200_000))[:50_000])
    exp = expand(broken, "gzip", tmp_path / "b", display=broken.name)
    assert exp.status == "partial" and exp.members[0].path is not None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("../../etc/x", "etc/x"), ("/abs/y", "abs/y"), ("C:\\win\\z", "win/z"), ("a/./b/../c", "a/b/c"), ("..", "")],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


def test_member_file_reopens_nested_members(tmp_path: Path) -> None:
    from izdesh.ingest.archives import member_file

    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("x/a.csv", _csv("买买提", MEMET))
    with tarfile.open(tmp_path / "outer.tar", "w") as t:
        info = tarfile.TarInfo("in.zip")
        info.size = len(inner.getvalue())
        t.addfile(info, io.BytesIO(inner.getvalue()))
    got = member_file(tmp_path, "outer.tar!in.zip!x/a.csv", tmp_path / "work")
    assert got.read_bytes() == _csv("买买提", MEMET)
    with pytest.raises(FileNotFoundError):
        member_file(tmp_path, "outer.tar!nope.csv", tmp_path / "work2")
