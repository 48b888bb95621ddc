"""Writes the small seed corpus in fuzz/corpus/<target>/ with the real libraries that make such files
(xlsxwriter, python-docx, python-pptx, reportlab, Pillow, zipfile, tarfile, email). No Python library
writes Word 97, PowerPoint 97 or Outlook .msg files, so those seeds are copied from the shared fixtures
(ingest-file's MIT-licensed test files) when ../shared is present.
Run once: python fuzz/make_corpus.py"""

from __future__ import annotations

import csv
import email.message
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "corpus"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "ingest-file"
ROWS = [["序号", "姓名", "性别", "身份证号码", "乡镇", "村", "现状"],
        [1, "买买提·吐尔逊", "男", "653121198503040117", "托克扎克镇", "阿亚格曼干村", "教育转化"],
        [2, "阿依古丽", "女", "653121199005120223", "托克扎克镇", "1村", "在押"]]


def put(target: str, name: str, data: bytes) -> None:
    d = HERE / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main() -> None:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("在押人员")
    ws.merge_range(0, 0, 0, 6, "名单")
    for i, row in enumerate(ROWS):
        ws.write_row(i + 1, 0, row)
    ws.write_number(4, 3, 653121198503040117.0)
    wb.close()
    xlsx = buf.getvalue()
    put("spreadsheet", "people.xlsx", xlsx)

    for enc, name in (("utf-8", "utf8.csv"), ("gb18030", "gb.csv"), ("utf-16", "u16.csv")):
        s = io.StringIO()
        csv.writer(s).writerows(ROWS)
        put("delimited", name, s.getvalue().encode(enc))
    put("delimited", "tabs.tsv", "\n".join("\t".join(map(str, r)) for r in ROWS).encode())

    import docx

    d = docx.Document()
    d.add_paragraph("买买提·吐尔逊 653121198503040117 于2017年7月26日收押。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text, t.cell(1, 1).text = "姓名", "身份证号码", "阿依古丽", "653121199005120223"
    buf = io.BytesIO()
    d.save(buf)
    put("docx", "note.docx", buf.getvalue())

    from reportlab.lib.pagesizes import A6
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A6)
    c.drawString(20, 300, "ID 653121198503040117 Memet Tursun")
    c.showPage()
    c.save()
    put("pdf", "page.pdf", buf.getvalue())

    put("html", "list.html", "<html><body><p>买买提·吐尔逊 653121198503040117</p><table><tr><td>姓名</td><td>身份证号码</td></tr>"
        "<tr><td>阿依古丽</td><td>653121199005120223</td></tr></table></body></html>".encode())
    put("rtf", "note.rtf", rb"{\rtf1\ansi\ansicpg936{\fonttbl\f0 SimSun;}\f0 \u20080?\u20080? 653121198503040117\par}")
    m = email.message.EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.org", "b@example.org", "名单"
    m.set_content("买买提·吐尔逊 653121198503040117")
    m.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="x.csv")
    put("email", "mail.eml", m.as_bytes())

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("疏附县/名单.csv", "姓名,身份证号码\n阿依古丽,653121199005120223\n")
        z.writestr("sub/readme.txt", "hello")
    put("archive", "leak.zip", buf.getvalue())
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        data = b"a,b\n1,2\n"
        info = tarfile.TarInfo("dir/x.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    put("archive", "leak.tar.gz", buf.getvalue())
    for f in ("people.xlsx",):
        put("detect", f, xlsx)
    put("detect", "note.docx", (HERE / "docx" / "note.docx").read_bytes())
    put("detect", "page.pdf", (HERE / "pdf" / "page.pdf").read_bytes())
    put("detect", "leak.zip", (HERE / "archive" / "leak.zip").read_bytes())
    put("detect", "utf8.csv", (HERE / "delimited" / "utf8.csv").read_bytes())
    import pptx
    from pptx.util import Inches

    prs = pptx.Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.shapes.title.text = "教育转化工作"
    rows = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    rows.cell(0, 0).text, rows.cell(0, 1).text = "姓名", "身份证号码"
    rows.cell(1, 0).text, rows.cell(1, 1).text = "阿依古丽", "653121199005120223"
    slide.notes_slide.notes_text_frame.text = "买买提·吐尔逊 653121198503040117"
    buf = io.BytesIO()
    prs.save(buf)
    put("pptx", "talk.pptx", buf.getvalue())

    from PIL import Image

    im = Image.new("RGB", (48, 64), (120, 110, 100))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "Hikvision", "DS-2CD", "2017:07:26 10:11:12"
    for fmt, name in (("JPEG", "653121198503040117_20170726101112.jpg"), ("PNG", "scan.png"), ("TIFF", "scan.tif")):
        buf = io.BytesIO()
        im.save(buf, fmt, exif=exif)
        put("image", name, buf.getvalue())

    for target, name in (("doc", "doc.doc"), ("ppt", "slides.ppt"), ("msg", "piste.msg"), ("image", "regression_gif.gif")):
        if (FIXTURES / name).exists():
            (HERE / target).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(FIXTURES / name, HERE / target / name)
    put("detect", "ole.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)


if __name__ == "__main__":
    main()
