"""Document readers and people in running text: Word, PDF, PowerPoint, mail, OCR of scans.

Inputs are built here with the real libraries (python-docx, reportlab with the WenQuanYi font,
python-pptx, PIL); every name and ID number in them is known."""

from __future__ import annotations

import json
import os
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from izdesh.ingest.extract import extract
from izdesh.ingest.pipeline import ingest
from izdesh.records.text import people_in_text
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import make_id

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
MEMET = make_id("653121", "19900101", 1)  # 653121199001010019
AYGUL = make_id("653121", "19850304", 22)
AHMET = make_id("654027", "19760101", 33)
XID = next(make_id("652427", "19620909", s) for s in range(100, 999) if make_id("652427", "19620909", s)[-1] == "X")


def _fw(s: str) -> str:
    return s.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


# --- records from text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "idn"),
    [
        (f"经查，买买提·吐尔逊（身份证号：{MEMET}），男，27岁，维吾尔族。", "买买提·吐尔逊", MEMET),
        (f"据群众举报，阿依古丽・买买提，公民身份号码{AYGUL}，女。", "阿依古丽・买买提", AYGUL),
        (f"经核查买买提吐尔逊（身份证号：{_fw(MEMET)}），男", "买买提吐尔逊", MEMET),
        (f"艾合买提.阿不都拉（身份证号：{AHMET[:6]} {AHMET[6:14]} {AHMET[14:]}），男", "艾合买提.阿不都拉", AHMET),
        (f"1 买买提·吐尔逊 男 {MEMET} 托克扎克镇阿亚格曼干村 教育转化", "买买提·吐尔逊", MEMET),
        (f"2\t吐尔逊古丽\t女\t{XID.lower()}\t特克斯镇", "吐尔逊古丽", XID),
        (f"3 王  伟 女 {MEMET} 托克扎克镇 在押", "王  伟", MEMET),
        (f"{MEMET} 买买提·吐尔逊 男", "买买提·吐尔逊", MEMET),
        (f"姓名：买买提·吐尔逊，身份证号码：'{MEMET}", "买买提·吐尔逊", MEMET),
    ],
)
def test_name_beside_id(text: str, name: str, idn: str) -> None:
    recs = people_in_text(text, {"paragraph": 3})
    assert len(recs) == 1, [r.fields for r in recs]
    r = recs[0]
    assert r.fields["name"] == name and r.fields["id_number"] == idn
    assert r.kind == "text" and r.locator["paragraph"] == 3
    span = text[r.locator["start"] : r.locator["end"]]
    assert name in span and r.fields["id_raw"] in span
    assert r.fields["text"] and name in r.fields["text"]


def test_text_keeps_sentence_flags_and_lines() -> None:
    text = (
        "乌帕尔镇人员情况\n据群众举报，买买提·吐尔逊（身份证号：\n"
        f"{MEMET}），男，维吾尔族，于2017年5月使用快牙，已送教育转化。另查明，阿依古丽·买买提（身份证号：{AYGUL[:-1]}"
        f"{'0' if AYGUL[-1] != '0' else '1'}），女。"
    )
    recs = people_in_text(text, {"page": 0})
    assert [r.fields["name"] for r in recs] == ["买买提·吐尔逊", "阿依古丽·买买提"]
    first, second = recs
    assert first.locator["line"] == 2 and first.fields["sex"] == "male" and first.fields["ethnicity"] == "维吾尔族"
    assert first.fields["text"].endswith("已送教育转化。")
    assert second.fields["id_valid"] == 0 and "bad_check" in second.flags


def test_name_only_mentions() -> None:
    recs = people_in_text("经排查，发现吐尔逊·买买提等12人存在涉稳问题。另查明，艾合买提·阿不都拉，男，41岁。", {"paragraph": 0})
    assert [(r.fields["name"], r.fields.get("id_number")) for r in recs] == [
        ("吐尔逊·买买提", None),
        ("艾合买提·阿不都拉", None),
    ]
    assert all("no_id" in r.flags for r in recs)


@pytest.mark.parametrize(
    "written",
    [XID[:-1] + "×", MEMET[:3] + "." + MEMET[3:], MEMET[:9] + "," + MEMET[9:]],
)
def test_ocr_misreads_of_an_id_repaired_when_they_check_out(written: str) -> None:
    text = f"据群众举报，买买提·吐尔逊（身份证号：{written}），男，27岁。"
    (r,) = people_in_text(text, {"page": 0}, kind="ocr")
    assert r.fields["id_number"] in (XID, MEMET) and r.fields["id_raw"] == written
    assert r.fields["name"] == "买买提·吐尔逊" and text[r.locator["start"] : r.locator["end"]].endswith(written)
    assert people_in_text(text, {"page": 0}) == [] or all(  # typed text: no repair
        x.fields.get("id_number") not in (XID, MEMET) for x in people_in_text(text, {"page": 0})
    )
    wrong = written[:-2] + ("1" if written[-2] != "1" else "2") + written[-1]  # check digit fails
    assert all(x.fields.get("id_number") is None for x in people_in_text(text.replace(written, wrong), {"page": 0}, kind="ocr"))


def test_no_people_in_plain_prose() -> None:
    text = "2017年7月26日，全县召开反恐维稳工作会议，电话0998-6421234，共有1200人参加。"
    assert people_in_text(text, {"paragraph": 0}) == []


# --- Word ----------------------------------------------------------------------------------------


def _docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("托克扎克镇重点人员情况报告", style="Title")
    d.add_paragraph(f"经查，买买提·吐尔逊（身份证号：{MEMET}），男，27岁，维吾尔族，于2017年5月使用快牙。")
    d.add_paragraph("经排查，发现阿依古丽·买买提等2人存在涉稳问题，具体名单如下：")
    t = d.add_table(rows=3, cols=4)
    for c, h in enumerate(["序号", "姓名", "身份证号码", "现状"]):
        t.rows[0].cells[c].text = h
    for r, (n, i) in enumerate([("阿依古丽·买买提", AYGUL), ("艾合买提·阿不都拉", AHMET)], start=1):
        for c, v in enumerate([str(r), n, i, "在押"]):
            t.rows[r].cells[c].text = v
    form = d.add_table(rows=1, cols=4)  # a form, not a list: label, value, label, value
    for c, v in enumerate(["姓名", "吐尔逊古丽", "身份证号", XID]):
        form.rows[0].cells[c].text = v
    d.core_properties.author = "张三"
    d.save(str(path))


def test_docx_paragraphs_tables_and_forms(tmp_path: Path) -> None:
    p = tmp_path / "报告.docx"
    _docx(p)
    res = extract(p, p.name)
    assert res.status == "ok" and res.type == "docx", res.reason
    assert res.meta["author"] == "张三"
    by_id = {r.fields.get("id_number"): r for r in res.records}
    memet = by_id[MEMET]
    assert memet.kind == "text" and memet.locator["paragraph"] == 1 and memet.fields["name"] == "买买提·吐尔逊"
    aygul = by_id[AYGUL]
    assert aygul.kind == "table" and aygul.locator["table"] == 0 and aygul.locator["row"] == 1
    assert aygul.fields["name"] == "阿依古丽·买买提" and aygul.fields["status"] == "在押"
    assert by_id[AHMET].locator["row"] == 2
    form = by_id[XID]
    assert form.fields["name"] == "吐尔逊古丽" and form.locator == {"table": 1, "row": 0, **{k: form.locator[k] for k in ("start", "end")}}
    lead = [r for r in res.records if r.fields.get("id_number") is None]
    assert [r.fields["name"] for r in lead] == ["阿依古丽·买买提"]


# --- PDF -----------------------------------------------------------------------------------------


def _text_pdf(path: Path, pages: list[list[str]]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "wqy" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        y = 800
        for line in lines:
            c.setFont("wqy", 11)
            c.drawString(50, y, line)
            y -= 20
        c.showPage()
    c.save()


def test_pdf_pages_and_lines(tmp_path: Path) -> None:
    p = tmp_path / "名单.pdf"
    _text_pdf(
        p,
        [
            ["重点人员名单", "序号 姓名 性别 身份证号 住址", f"1 买买提·吐尔逊 男 {MEMET} 托克扎克镇"],
            ["续表", f"2 阿依古丽·买买提 女 {AYGUL} 托克扎克镇", f"另查明，艾合买提·阿不都拉（身份证号：{AHMET}），男。"],
        ],
    )
    res = extract(p, p.name)
    assert res.status == "ok" and res.meta["pages"] == 2
    got = {r.fields["id_number"]: (r.fields["name"], r.locator["page"], r.locator["line"]) for r in res.records}
    assert got == {
        MEMET: ("买买提·吐尔逊", 0, 2),
        AYGUL: ("阿依古丽·买买提", 1, 1),
        AHMET: ("艾合买提·阿不都拉", 1, 2),
    }


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    src = tmp_path / "a.pdf"
    _text_pdf(src, [[f"买买提·吐尔逊 {MEMET}"]])
    w = PdfWriter()
    for page in PdfReader(src).pages:
        w.add_page(page)
    w.encrypt("secret")
    out = tmp_path / "locked.pdf"
    with out.open("wb") as fh:
        w.write(fh)
    res = extract(out, out.name)
    assert res.status == "encrypted" and "password" in res.reason


# --- PowerPoint, OpenDocument-free paths, mail ----------------------------------------------------


def test_pptx_slides(tmp_path: Path) -> None:
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "防范工作培训"
    s = prs.slides.add_slide(prs.slide_layouts[5])
    s.shapes.title.text = "典型案例"
    box = s.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(2))
    box.text_frame.text = "案例一"
    box.text_frame.add_paragraph().text = f"买买提·吐尔逊（身份证号：{MEMET}），使用快牙下载暴恐音视频。"
    p = tmp_path / "培训.pptx"
    prs.save(str(p))
    res = extract(p, p.name)
    assert res.status == "ok"
    (r,) = res.records
    assert r.fields["name"] == "买买提·吐尔逊" and r.locator["slide"] == 1 and r.locator["paragraph"] == 1
    assert r.locator["shape"] == 1


def test_mail_body_and_attachment_rows(tmp_path: Path) -> None:
    msg = EmailMessage()
    msg["Subject"] = "名单"
    msg["From"] = "a@example.org"
    msg["To"] = "b@example.org"
    msg.set_content(f"请核查：买买提·吐尔逊（身份证号：{MEMET}）。")
    doc = tmp_path / "附件.docx"
    _docx(doc)
    msg.add_attachment(doc.read_bytes(), maintype="application", subtype="octet-stream", filename="附件.docx")
    leak = tmp_path / "leak"
    leak.mkdir()
    (leak / "mail.eml").write_bytes(bytes(msg))
    db = str(tmp_path / "m.sqlite")
    ingest([leak], db, progress=False)
    with open_engine(db, readonly=True).connect() as conn:
        files = {r.path: r for r in conn.execute(select(schema.source_file))}
        recs = conn.execute(select(schema.record)).mappings().all()
    assert set(files) == {"mail.eml", "mail.eml!附件.docx"}
    assert files["mail.eml"].type == "eml" and files["mail.eml!附件.docx"].type == "docx"
    mail_recs = [r for r in recs if r["file_id"] == files["mail.eml"].id]
    assert [r["id_number"] for r in mail_recs] == [MEMET]
    assert sum(1 for r in recs if r["file_id"] == files["mail.eml!附件.docx"].id) >= 3


# --- OCR -----------------------------------------------------------------------------------------

LINE = f"买买提·吐尔逊 {MEMET}"


def _scan_image(lines: list[str], size: tuple[int, int] = (1240, 600)):
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", size, 236)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 34)
    for k, line in enumerate(lines):
        d.text((80, 80 + k * 70), line, fill=25, font=font)
    return img.rotate(0.4, fillcolor=236, resample=Image.BICUBIC)


ocr_needed = pytest.mark.skipif(os.environ.get("IZDESH_OCR", "1") == "0", reason="OCR switched off")


@ocr_needed
def test_ocr_reads_the_line_exactly(tmp_path: Path) -> None:
    p = tmp_path / "scan.png"
    _scan_image(["疏附县公安局", LINE]).save(p)
    res = extract(p, p.name)
    assert res.status == "ok"
    (r,) = res.records
    assert r.kind == "ocr" and r.fields["name"] == "买买提·吐尔逊" and r.fields["id_number"] == MEMET
    assert r.fields["id_raw"] == MEMET and r.locator["line"] == 1
    assert r.fields["text"] == LINE  # the whole line read exactly


@ocr_needed
def test_image_only_pdf_goes_through_ocr(tmp_path: Path) -> None:
    p = tmp_path / "扫描件.pdf"
    pages = [_scan_image(["收押审批表", f"据群众举报，{LINE}，男"], (1240, 1754)), _scan_image(["第2页"], (1240, 1754))]
    pages[0].save(p, save_all=True, append_images=pages[1:], resolution=150)
    res = extract(p, p.name)
    assert res.status == "ok", res.reason
    assert res.meta["ocr_pages"] == 2
    (r,) = res.records
    assert r.kind == "ocr" and r.locator["page"] == 0 and r.fields["id_number"] == MEMET


def test_ocr_switched_off_marks_scans_partial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IZDESH_OCR", "0")
    p = tmp_path / "扫描件.pdf"
    _scan_image([LINE]).save(p, resolution=150)
    res = extract(p, p.name)
    assert res.status == "partial" and "OCR switched off" in res.reason
    q = tmp_path / "照片.png"
    _scan_image([LINE]).save(q)
    assert extract(q, q.name).status == "ok"


def test_mugshot_named_by_id_is_not_ocred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import izdesh.ingest.ocr as ocr

    monkeypatch.setattr(ocr, "ocr_image", lambda img: pytest.fail("OCR on a mugshot"))
    p = tmp_path / f"{MEMET}_20180315093000.jpg"
    _scan_image(["x"]).convert("RGB").save(p)
    res = extract(p, p.name)
    assert [r.kind for r in res.records] == ["photo"]


# --- the figure: people in the synthetic leak's documents ---------------------------------------


def test_recall_on_generated_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """>= 97% of person mentions (with an ID) in the generated Word/PDF/PowerPoint files come out
    with their ID, their name as written and the locator the ground truth gives."""
    from izdesh.generate import generate

    monkeypatch.setenv("IZDESH_OCR", "0")
    root = tmp_path / "leak"
    generate(root, persons=1200, seed=11, progress=False)
    files = {f["path"]: f for f in map(json.loads, (root / "truth" / "files.jsonl").open(encoding="utf-8"))}
    mentions = [
        m
        for m in map(json.loads, (root / "truth" / "mentions.jsonl").open(encoding="utf-8"))
        if files[m["file"]]["format"] in ("docx", "pdf", "pptx") and files[m["file"]]["state"] == "ok"
    ]
    assert len(mentions) > 30
    cache: dict[str, list] = {}
    found = named = 0
    with_id = [m for m in mentions if m["written_id"]]
    for m in with_id:
        if m["file"] not in cache:
            cache[m["file"]] = extract(root / m["file"], m["file"]).records
        keys = [k for k in ("paragraph", "page", "line", "table", "row", "slide", "shape") if k in m["locator"]]
        hits = [
            r
            for r in cache[m["file"]]
            if all(r.locator.get(k) == m["locator"][k] for k in keys)
            and (r.fields.get("id_raw") or "").strip() == m["written_id"].strip()
        ]
        found += bool(hits)
        named += any((r.fields.get("name") or "").strip() == (m["written_name"] or "").strip() for r in hits)
    assert found / len(with_id) >= 0.97, (found, len(with_id))
    assert named / len(with_id) >= 0.97, (named, len(with_id))


def test_docx_text_in_content_controls(tmp_path: Path) -> None:
    """Paragraphs python-docx does not list (inside a content control) are read too."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    d = docx.Document()
    d.add_paragraph("正文")
    p = d.add_paragraph(f"买买提·吐尔逊（身份证号：{MEMET}）")
    sdt = parse_xml(f"<w:sdt {nsdecls('w')}><w:sdtContent/></w:sdt>")
    p._p.addprevious(sdt)
    sdt[0].append(p._p)
    path = tmp_path / "控件.docx"
    d.save(str(path))
    (r,) = extract(path, path.name).records
    assert r.fields["name"] == "买买提·吐尔逊" and "xml_paragraph" in r.locator


@ocr_needed
def test_scan_pasted_into_word_is_ocred(tmp_path: Path) -> None:
    import docx
    from docx.shared import Inches

    img = tmp_path / "scan.png"
    _scan_image(["收押审批表", LINE]).save(img)
    d = docx.Document()
    d.add_paragraph("附件：扫描件")
    d.add_picture(str(img), width=Inches(6))
    p = tmp_path / "附件.docx"
    d.save(str(p))
    res = extract(p, p.name)
    (r,) = res.records
    assert r.kind == "ocr" and r.fields["id_number"] == MEMET and r.locator["image"].startswith("word/media/")


def test_document_thumbnail_is_not_an_ocr_candidate(tmp_path: Path) -> None:
    """python-docx/pptx save a docProps/thumbnail.jpeg of over 4 KB, as the leak's files have: a
    rendering of the first page, not a pasted scan."""
    import zipfile

    import docx
    from pptx import Presentation

    from izdesh.ingest.documents import media_names

    Presentation().save(tmp_path / "a.pptx")
    docx.Document().save(tmp_path / "a.docx")
    for name in ("a.pptx", "a.docx"):
        with zipfile.ZipFile(tmp_path / name) as zf:
            assert zf.getinfo("docProps/thumbnail.jpeg").file_size >= 4_000
        assert media_names(tmp_path / name) == []
