"""The generator's document, photo and broken-file writers, checked with independent readers.

Persons are built by hand (names through the real NameBook), files are written to tmp_path and
opened with python-docx, pdfplumber/pypdf, python-pptx, PIL/piexif, zipfile and msoffcrypto.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from izdesh.generate.messy import check_char
from izdesh.generate.model import Mention, Person, StatusEvent
from izdesh.generate.names import NameBook

NAMES = [  # (given, father, sex)
    ("Memet", "Tursun", "male"),
    ("Abduréhim", "Abdukérim", "male"),
    ("Ayshemgül", "Memtimin", "female"),
    ("Tursun", "Hoshur", "male"),
    ("Gülnisa", "Ablimit", "female"),
    ("Abdulla", "Yasin", "male"),
    ("Patime", "Qurban", "female"),
    ("Ehmet", "Niyaz", "male"),
]
EVENTS = [
    [],
    [StatusEvent("re_education", "教育转化", date(2017, 7, 26), "疏附县职业技能教育培训中心", "1号楼", "122", "使用快牙软件")],
    [StatusEvent("detained", "在押", date(2017, 5, 3), "疏附县看守所", reason_zh="有亲属在境外")],
    [StatusEvent("sentenced", "判刑", date(2018, 1, 15), reason_zh="私自学习《古兰经》", sentence_years=10)],
    [StatusEvent("blacklisted", "重点人员", date(2017, 3, 1), category_zh="第二类：高度可疑同伙")],
    [StatusEvent("died", "死亡", date(2018, 2, 2), "疏附县看守所")],
]
ID_RE = re.compile(r"\d{17}[\dXx]")


@pytest.fixture(scope="module")
def book() -> NameBook:
    return NameBook.load()


def make_people(book: NameBook, n: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        given, father, sex = NAMES[i % len(NAMES)]
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(50 * 365))
        county = rng.choice(("653121", "654027", "652427"))
        seq = rng.randrange(100) * 10 + rng.randrange(0, 10, 2) + (1 if sex == "male" else 0)
        body = f"{county}{born:%Y%m%d}{seq:03d}"
        name_zh = book.canonical_chinese(given) + "·" + book.canonical_chinese(father)
        out.append(
            Person(
                pid=i, id_number=body + check_char(body), name_zh=name_zh, name_latin=f"{given} {father}",
                given_latin=given, father_latin=father, sex=sex, birth_date=born,
                ethnicity_zh="维吾尔族", county_code=county, township_zh="托克扎克镇", village_zh="阿克提坎村",
                household=i, relation_zh="户主", statuses=list(EVENTS[i % len(EVENTS)]),
            )
        )
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def twice(tmp_path: Path, suffix: str, write) -> tuple[Path, list, str]:
    """Write the same file twice from the same rng seed; assert identical bytes."""
    a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
    ma = write(a, random.Random(42))
    mb = write(b, random.Random(42))
    assert sha(a) == sha(b), f"{suffix} writer is not byte-deterministic"
    strip = lambda ms: [(m.pid, m.kind, m.locator, m.written_id, m.written_name, m.id_damage) for m in ms or []]
    assert strip(ma) == strip(mb)
    return a, ma, sha(a)


def clean(s: str) -> str:
    return s.strip().strip("\u3000")


# --- zipfix -------------------------------------------------------------------------------------


def test_normalise_zip_fixes_dates_and_order(tmp_path):
    from izdesh.generate.zipfix import normalise_zip

    p = tmp_path / "x.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", "<a/>" * 50)
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("docProps/core.xml", "<c/>")
        z.writestr("_rels/.rels", "<r/>")
    normalise_zip(p, datetime(2017, 6, 5, 10, 20, 30))
    once = p.read_bytes()
    normalise_zip(p, datetime(2017, 6, 5, 10, 20, 30))
    assert p.read_bytes() == once
    with zipfile.ZipFile(p) as z:
        assert z.testzip() is None
        assert z.namelist() == ["[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "word/document.xml"]
        assert {i.date_time for i in z.infolist()} == {(2017, 6, 5, 10, 20, 30)}
        assert z.read("word/document.xml") == b"<a/>" * 50


# --- Word -----------------------------------------------------------------------------------------


def test_report_docx_mentions_at_locators(tmp_path, book):
    import docx

    from izdesh.generate.documents import write_report_docx

    people = make_people(book, 14)
    path, mentions, _ = twice(
        tmp_path, ".docx",
        lambda p, rng: write_report_docx(p, people, rng, book, title_zh="关于托克扎克镇涉稳人员核查情况的报告", date=date(2017, 8, 1)),
    )
    assert all(isinstance(m, Mention) and m.file == path.name for m in mentions)
    doc = docx.Document(str(path))
    assert doc.paragraphs[0].text == "关于托克扎克镇涉稳人员核查情况的报告"
    assert doc.core_properties.created.date() == date(2017, 8, 1)
    tables = [m for m in mentions if m.kind == "table"]
    assert {m.pid for m in mentions} == {p.pid for p in people}
    for m in mentions:
        if m.kind == "text":
            text = doc.paragraphs[m.locator["paragraph"]].text
            assert m.written_name in text
            if m.written_id is not None:
                assert m.written_id in text
        else:
            assert m.kind == "table"
            row = doc.tables[m.locator["table"]].rows[m.locator["row"]]
            assert row.cells[m.locator["id_col"]].text == m.written_id
            assert row.cells[m.locator["name_col"]].text == m.written_name
    if tables:
        header = [c.text for c in doc.tables[0].rows[0].cells]
        assert header[0] == "序号" and header[1] == "姓名" and "身份" in header[2]
        assert header[3:] == ["现状", "原因"]


def test_report_docx_small_list_is_running_text(tmp_path, book):
    import docx

    from izdesh.generate.documents import write_report_docx

    people = make_people(book, 2, seed=3)
    mentions = write_report_docx(tmp_path / "r.docx", people, random.Random(1), book, title_zh="情况报告", date=date(2018, 2, 1), rel="疏附县/情况报告.docx")
    assert [m.kind for m in mentions] == ["text", "text"]
    assert all(m.file == "疏附县/情况报告.docx" for m in mentions)
    doc = docx.Document(str(tmp_path / "r.docx"))
    for m in mentions:
        assert m.written_name in doc.paragraphs[m.locator["paragraph"]].text


def test_speech_docx_has_no_persons(tmp_path):
    import docx

    from izdesh.generate.documents import write_speech_docx

    for title in ("在全县反恐维稳工作会议上的讲话", "教培中心安全管理规定"):
        path, ret, _ = twice(tmp_path, ".docx", lambda p, rng: write_speech_docx(p, rng, title_zh=title, date=date(2017, 4, 1)))
        assert ret is None
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        assert title in text
        assert not ID_RE.search(text)
        assert any(w in text for w in ("教培", "开枪", "快牙", "维稳", "反恐", "学员"))


# --- PDF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 150])
def test_text_pdf_mentions_at_lines(tmp_path, book, n):
    import pdfplumber

    from izdesh.generate.pdfs import write_text_pdf

    people = make_people(book, n, seed=n)
    path, mentions, _ = twice(
        tmp_path, ".pdf",
        lambda p, rng: write_text_pdf(p, people, rng, book, title_zh="疏附县教培人员名单", date=date(2017, 9, 9)),
    )
    assert len(mentions) == n and all(m.kind == "text" for m in mentions)
    with pdfplumber.open(path) as pdf:
        pages = [pg.extract_text().splitlines() for pg in pdf.pages]
    assert "疏附县教培人员名单" in pages[0][0]
    for m in mentions:
        line = pages[m.locator["page"]][m.locator["line"]]
        if m.written_id is not None:
            assert clean(m.written_id) in line, (m, line)
        assert clean(m.written_name).replace(" ", "") in line.replace(" ", ""), (m, line)


def test_scan_pdf_is_images_only(tmp_path, book):
    import pypdf

    from izdesh.generate.pdfs import write_scan_pdf

    people = make_people(book, 40, seed=5)
    path, mentions, _ = twice(
        tmp_path, ".pdf",
        lambda p, rng: write_scan_pdf(p, people, rng, book, title_zh="收押人员名单", date=date(2017, 6, 1)),
    )
    reader = pypdf.PdfReader(str(path))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert page.extract_text().strip() == ""
        images = page.images
        assert len(images) == 1
        from PIL import Image

        im = Image.open(io.BytesIO(images[0].data))
        assert im.mode == "L" and 1100 < im.width < 1400  # ~150 dpi A4
    assert all(m.kind == "ocr" for m in mentions)
    assert {m.locator["page"] for m in mentions} <= set(range(len(reader.pages)))
    assert path.stat().st_size < 400_000 * len(reader.pages)


# --- slides ---------------------------------------------------------------------------------------


def test_slides_pptx(tmp_path, book):
    from pptx import Presentation

    from izdesh.generate.slides import write_slides_pptx

    path, none, _ = twice(tmp_path, ".pptx", lambda p, rng: write_slides_pptx(p, rng, title_zh="反恐维稳业务培训"))
    assert none == []
    prs = Presentation(str(path))
    assert prs.slides[0].shapes.title.text == "反恐维稳业务培训"
    people = make_people(book, 2, seed=11)
    path, mentions, _ = twice(
        tmp_path, ".pptx", lambda p, rng: write_slides_pptx(p, rng, title_zh="典型案例剖析", people=people, book=book)
    )
    prs = Presentation(str(path))
    assert len(mentions) == 2
    for m in mentions:
        shape = prs.slides[m.locator["slide"]].shapes[m.locator["shape"]]
        text = shape.text_frame.paragraphs[m.locator["paragraph"]].text
        assert m.written_id in text and m.written_name in text


# --- photos ---------------------------------------------------------------------------------------


def test_mugshots_name_exif_and_anomalies(tmp_path, book):
    import piexif
    from PIL import Image

    from izdesh.generate.photos import write_mugshot

    people = make_people(book, 120, seed=13)
    offsets = []
    for i, p in enumerate(people):
        taken = datetime(2018, 1, 10, 9, 0, 0) + timedelta(minutes=7 * i, seconds=i)
        path, m = write_mugshot(tmp_path, p, taken, random.Random(i), camera=None, rel_dir="照片/疏附县")
        assert path.name == f"{p.id_number}_{taken:%Y%m%d%H%M%S}.jpg"
        assert m.kind == "photo" and m.locator == {} and m.written_id == p.id_number and m.pid == p.pid
        assert m.file == f"照片/疏附县/{path.name}"
        im = Image.open(path)
        assert im.format == "JPEG" and im.size == (480, 640)
        ex = piexif.load(str(path))
        assert ex["0th"][piexif.ImageIFD.Make] and ex["0th"][piexif.ImageIFD.Model]
        shot = datetime.strptime(ex["Exif"][piexif.ExifIFD.DateTimeOriginal].decode(), "%Y:%m:%d %H:%M:%S")
        off = int((shot - taken).total_seconds())
        if off:
            assert m.id_damage == [f"exif_time_offset:{off:+d}s"]
            offsets.append(off)
        else:
            assert m.id_damage == []
    assert 1 <= len(offsets) <= 20
    # Determinism and camera choice.
    p = people[0]
    t = datetime(2018, 3, 1, 8, 0, 0)
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, _ = write_mugshot(tmp_path / "x", p, t, random.Random(5), camera="hik_face")
    b, _ = write_mugshot(tmp_path / "y", p, t, random.Random(5), camera="hik_face")
    assert sha(a) == sha(b)
    assert piexif.load(str(a))["0th"][piexif.ImageIFD.Make] == b"HIKVISION"


def test_plain_photos(tmp_path):
    import piexif
    from PIL import Image

    from izdesh.generate.photos import write_plain_photo

    with_exif = 0
    for i in range(12):
        path = tmp_path / f"p{i}.jpg"
        when = write_plain_photo(path, random.Random(i))
        im = Image.open(path)
        assert im.format == "JPEG"
        if when is None:
            assert "exif" not in im.info
        else:
            with_exif += 1
            ex = piexif.load(str(path))
            assert ex["Exif"][piexif.ExifIFD.DateTimeOriginal] == when.strftime("%Y:%m:%d %H:%M:%S").encode()
    assert 0 < with_exif < 12
    png = tmp_path / "q.png"
    assert write_plain_photo(png, random.Random(1)) is None
    assert Image.open(png).format == "PNG"
    a, b = tmp_path / "d1.jpg", tmp_path / "d2.jpg"
    write_plain_photo(a, random.Random(3))
    write_plain_photo(b, random.Random(3))
    assert sha(a) == sha(b)


# --- broken files ---------------------------------------------------------------------------------


def _docx(tmp_path: Path, book, name: str) -> Path:
    from izdesh.generate.documents import write_report_docx

    path = tmp_path / name
    write_report_docx(path, make_people(book, 5), random.Random(2), book, title_zh="报告", date=date(2017, 1, 1))
    return path


def test_truncate_and_zero_byte(tmp_path, book):
    from izdesh.generate.broken import truncate, zero_byte

    path = _docx(tmp_path, book, "t.docx")
    size = path.stat().st_size
    note = truncate(path, random.Random(1))
    assert "truncated" in note and 0 < path.stat().st_size < size
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(path)
    z = _docx(tmp_path, book, "z.docx")
    assert "0 bytes" in zero_byte(z)
    assert z.stat().st_size == 0


def test_encrypt_ooxml(tmp_path, book):
    import docx
    import msoffcrypto

    from izdesh.generate.broken import encrypt_ooxml

    path = _docx(tmp_path, book, "e.docx")
    plain = path.read_bytes()
    copy = tmp_path / "e2.docx"
    copy.write_bytes(plain)
    note = encrypt_ooxml(path, "123456", spin_count=1000)
    encrypt_ooxml(copy, "123456", spin_count=1000)
    assert "password" in note
    assert sha(path) == sha(copy)
    with path.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password="123456")
        out = io.BytesIO()
        office.decrypt(out)
    assert out.getvalue() == plain
    assert not zipfile.is_zipfile(path)
    with pytest.raises(Exception):
        docx.Document(str(path))


def test_misname(tmp_path):
    from izdesh.generate.broken import misname

    p = tmp_path / "名单.xlsx"
    p.write_bytes(b"PK\x03\x04 not really")
    note = misname(p, ".xls")
    assert not p.exists() and (tmp_path / "名单.xls").read_bytes() == b"PK\x03\x04 not really"
    assert "xlsx" in note and "xls" in note
