"""Regressions for what fuzzing (fuzz/) and schemathesis found."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from izdesh.ingest.detect import detect


def _bad_version_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    b = bytearray(buf.getvalue())
    cd = b.rfind(b"PK\x01\x02")
    b[cd + 6 : cd + 8] = (176).to_bytes(2, "little")  # "version needed to extract" 17.6
    return bytes(b)


def test_zip_of_unknown_version_does_not_stop_the_ingest(tmp_path: Path) -> None:
    """fuzz target `detect`: zipfile raised NotImplementedError out of detect(), outside the reader's
    try, and one 150-byte file stopped the whole ingest."""
    from izdesh.ingest.pipeline import ingest

    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "bad.odt").write_bytes(_bad_version_zip())
    (leak / "ok.csv").write_text("姓名,身份证号码\n阿依古丽,653121199005120223\n", encoding="utf-8")
    assert detect(leak / "bad.odt") == "zip"
    s = ingest([leak], str(tmp_path / "s.sqlite"), workers=1, progress=False)
    assert s.records == 1


def test_huge_row_numbers_and_odd_tokens_in_addresses_are_404(small_db: str) -> None:
    """schemathesis: /source/9223372036854775808 overflowed the driver (500); a non-ASCII token made
    hmac.compare_digest raise TypeError (500)."""
    from izdesh.web.app import create_app

    for public in (False, True):
        c = TestClient(create_app(small_db, public=public, rate="0"), raise_server_exceptions=False)
        odd = ("/source/1?t=%C2%80", "/photo/1?t=%C2%80&size=thumb") if public else ()
        for path in ("/source/9223372036854775808", "/photo/18446744073709551616", "/source/0", "/source/-1", *odd):
            assert c.get(path).status_code == 404, path
        assert c.get("/original/99999999999999999999999").status_code in (403, 404)


def test_reader_findings_are_file_errors_or_read(tmp_path: Path) -> None:
    """fuzz targets rtf, email, archive, docx/odt, delimited: each of these raised a Python error
    (the file ended "corrupt" with a traceback's message, or a whole archive was lost)."""
    import pytest

    from izdesh.ingest import archives, documents, tables
    from izdesh.ingest.errors import FileError

    rtf = tmp_path / "a.rtf"
    rtf.write_bytes(rb"{\rtf1\ansi\ansicpg9 hello \'e9}")
    assert "hello" in "".join(b.text for b in documents.read_rtf(rtf).blocks)

    eml = tmp_path / "a.emlx"
    eml.write_bytes(b"From: a@example.org\nSubject: x\n\nbody 653121199005120223\n")
    documents.read_email(eml, "emlx")

    z = tmp_path / "a.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("x", "ok")
        zf.writestr("y.csv", "a,b\n")
    raw = buf.getvalue()
    b = bytearray(raw)
    i = raw.find(b"PK\x01\x02")
    b[i + 28 : i + 30] = (0).to_bytes(2, "little")  # name length 0 (the name bytes become extra data)
    b[i + 30 : i + 32] = (1).to_bytes(2, "little")
    z.write_bytes(bytes(b))
    dest = tmp_path / "out"
    try:
        archives.expand(z, "zip", dest)
    except FileError:
        pass

    docx = tmp_path / "a.docx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document/>" * 100)
    data = bytearray(buf.getvalue())
    data[60:80] = b"\x00" * 20  # damage the deflate stream
    docx.write_bytes(bytes(data))
    with pytest.raises(FileError):
        documents.check_ooxml(docx)

    csv_ = tmp_path / "a.csv"
    csv_.write_bytes("姓名,身份证号码\n".encode("utf-16")[:-1])  # cut at an odd byte
    rows = [s.rows for s in tables.read_delimited(csv_)]
    assert rows and rows[0][0][0] == "姓名"


def test_archive_of_unknown_zip_version_is_salvaged(tmp_path: Path) -> None:
    """fuzz target `archive`: NotImplementedError from zipfile.ZipFile() lost the whole archive."""
    from izdesh.ingest import archives

    z = tmp_path / "a.zip"
    z.write_bytes(_bad_version_zip())
    exp = archives.expand(z, "zip", tmp_path / "out")
    assert exp.status == "partial" and [m.name for m in exp.members] == ["mimetype"]


def test_a_word_file_that_sends_catdoc_into_an_endless_loop_is_refused_quickly() -> None:
    """fuzz target `doc`: catdoc never returns on this damaged Word 97 file (no output, 100% CPU);
    the reader waited 60 s for it, per file. Now the tools get a time limit scaled to the size."""
    import shutil
    import time

    import pytest

    from izdesh.ingest.documents import read_doc
    from izdesh.ingest.errors import FileError

    assert shutil.which("catdoc"), "scripts/setup installs catdoc"
    bad = Path(__file__).resolve().parent.parent / "fuzz" / "regressions" / "doc-catdoc-endless-loop.doc"
    t0 = time.monotonic()
    with pytest.raises(FileError) as err:
        read_doc(bad)
    assert time.monotonic() - t0 < 15
    assert err.value.status == "corrupt"


def test_a_word_file_whose_metadata_claims_billions_of_items_reads_without_it() -> None:
    """fuzz target `doc`: a vector property counting ~2**32 items made olefile's get_metadata() loop
    for hours. The file's text is still read; its metadata is skipped."""
    import time

    from izdesh.ingest.documents import read_doc

    bad = Path(__file__).resolve().parent.parent / "fuzz" / "regressions" / "doc-olefile-vector-count.doc"
    t0 = time.monotonic()
    out = read_doc(bad)
    assert time.monotonic() - t0 < 5
    assert out.blocks and out.meta == {}


def test_a_slide_deck_with_a_missing_slide_relationship_keeps_its_other_slides(tmp_path: Path) -> None:
    """fuzz target `pptx`: a KeyError ("no relationship with key rId…") out of python-pptx's slide
    iterator made the whole deck "corrupt"; now that slide is a problem and the rest is read."""
    import re

    import pptx

    from izdesh.ingest.documents import read_pptx

    prs = pptx.Presentation()
    for text in ("第一页", "第二页"):
        prs.slides.add_slide(prs.slide_layouts[5]).shapes.title.text = text
    good = tmp_path / "good.pptx"
    prs.save(str(good))
    bad = tmp_path / "bad.pptx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "ppt/_rels/presentation.xml.rels":
                data = re.sub(rb'<Relationship Id="(rId\d+)"[^>]*slides/slide1\.xml"/>', b"", data)
            zout.writestr(item, data)
    out = read_pptx(bad)
    assert [b.text for b in out.blocks] == ["第二页"]
    assert len(out.problems) == 1 and "slide 1" in out.problems[0]


def test_a_slide_deck_whose_stream_claims_4_gib_is_refused_without_reading_it() -> None:
    """fuzz target `ppt`: a 149 KB file whose "PowerPoint Document" stream declares 4 GiB along a
    sector chain that loops made olefile read until memory ran out (3.3 GB when libFuzzer stopped it)."""
    import resource

    import pytest

    from izdesh.ingest import documents
    from izdesh.ingest.errors import FileError

    bad = Path(__file__).resolve().parent.parent / "fuzz" / "regressions" / "ppt-olefile-looping-chain.ppt"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(FileError) as err:
        documents.read_ppt(bad)
    assert err.value.status == "corrupt" and "claims 4,294,967,295 bytes" in str(err.value)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB: nothing read


def test_a_message_whose_directory_tree_loops_is_refused_with_a_reason() -> None:
    """fuzz target `msg`: olefile's listdir() recursed without end on a directory tree that loops,
    and the RecursionError escaped the reader (the file got a Python error for its reason)."""
    import pytest

    from izdesh.ingest import documents
    from izdesh.ingest.errors import FileError

    bad = Path(__file__).resolve().parent.parent / "fuzz" / "regressions" / "msg-olefile-looping-directory.msg"
    with pytest.raises(FileError) as err:
        documents.read_msg(bad)
    assert err.value.status == "corrupt" and "loops" in str(err.value)


def test_a_zip_symlink_member_that_does_not_read_is_that_member_corrupt(tmp_path: Path) -> None:
    """fuzz target `archive`: reading a symbolic link member's target raised BadZipFile/OSError
    out of the zip reader, and the whole archive fell back to salvage with a Python error."""
    import stat

    from izdesh.ingest import archives

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        link = zipfile.ZipInfo("link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "target.txt")
        z.writestr("ok.txt", "hello")
    b = bytearray(buf.getvalue())
    b[0:4] = b"XXXX"  # the link's local header, damaged
    (tmp_path / "a.zip").write_bytes(bytes(b))
    exp = archives.expand(tmp_path / "a.zip", "zip", tmp_path / "out", archives.Limits())
    got = {m.name: (m.status, m.reason or "") for m in exp.members}
    assert got["link"][0] == "corrupt" and "symbolic link" in got["link"][1]
    assert got["ok.txt"][0] is None and exp.status == "partial"
