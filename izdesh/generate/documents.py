"""Word documents of the synthetic leak: police reports naming persons, and speeches/protocols.

Both writers start from a slim built-in template (Chinese government-document styles: 方正小标宋
title, 仿宋 body, 黑体/楷体 headings, A4) built once per process from python-docx's default template
without its 900 kB of latent styles, so a document takes a few milliseconds. The zip is written
with fixed member dates (``zipfix``) and core properties drawn from the rng, so the same inputs and
rng state give the same bytes.

Locators (all 0-based): running text ``{"paragraph": i}`` with ``i`` the index in python-docx's
``Document.paragraphs`` (body paragraphs, tables excluded); tables ``{"table": t, "row": r,
"id_col": c, "name_col": c}`` with ``r`` the row in ``Document.tables[t].rows`` (row 0 is the
header).
"""

from __future__ import annotations

import functools
import io
import random
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from . import prose
from .messy import id_text, written_id, written_name
from .model import Mention, Person
from .zipfix import normalise_zip_bytes

if TYPE_CHECKING:  # pragma: no cover
    from .names import NameBook

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {_W}>
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman" w:cs="Times New Roman"/><w:kern w:val="2"/><w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="560" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:widowControl w:val="0"/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="240" w:after="240" w:line="700" w:lineRule="exact"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:rFonts w:eastAsia="黑体"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:rFonts w:eastAsia="楷体_GB2312"/></w:rPr></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:pPr><w:spacing w:line="240" w:lineRule="auto"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr><w:rPr><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders></w:tblPr></w:style>
<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:semiHidden/></w:style>
</w:styles>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"""

_DOC_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/></Relationships>"""

_APP = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>0</TotalTime><Pages>1</Pages><Application>Microsoft Office Word</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>14.0000</AppVersion></Properties>"""

_BODY = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {_W} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body><w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" w:header="851" w:footer="992" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="lines" w:linePitch="579"/></w:sectPr></w:body></w:document>"""


@functools.cache
def _template() -> bytes:
    """The slim .docx every document starts from (built once from python-docx's own parts)."""
    import docx

    src = Path(docx.__file__).parent / "templates" / "default.docx"
    with zipfile.ZipFile(src) as z:
        keep = {n: z.read(n) for n in ("word/settings.xml", "word/fontTable.xml", "docProps/core.xml")}
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES.encode(),
        "_rels/.rels": _ROOT_RELS.encode(),
        "docProps/app.xml": _APP.encode(),
        "word/_rels/document.xml.rels": _DOC_RELS.encode(),
        "word/document.xml": _BODY.encode(),
        "word/styles.xml": _STYLES.encode(),
        **keep,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2018, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def new_document():
    """A fresh python-docx Document on the slim template."""
    from docx import Document

    return Document(io.BytesIO(_template()))


def _set_core(doc, rng: random.Random, when: datetime, title: str | None) -> datetime:
    cp = doc.core_properties
    cp.author = rng.choice(prose.AUTHORS)
    cp.last_modified_by = cp.author if rng.random() < 0.6 else rng.choice(prose.AUTHORS)
    cp.created = when
    modified = when + timedelta(minutes=rng.randrange(1, 600))
    cp.modified = modified
    cp.revision = rng.randrange(1, 12)
    cp.title = title if title and rng.random() < 0.3 else ""
    cp.comments = ""
    cp.subject = ""
    cp.keywords = ""
    cp.category = ""
    cp.content_status = ""
    cp.identifier = ""
    cp.language = ""
    cp.version = ""
    return modified


def _save(doc, path: str | Path, when: datetime) -> None:
    buf = io.BytesIO()
    doc.save(buf)
    Path(path).write_bytes(normalise_zip_bytes(buf.getvalue(), when))


def _id_for_text(p: Person, rng: random.Random) -> tuple[str, list[str]]:
    v, flags = written_id(p, rng, in_table=False)
    return id_text(v), flags


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def add_table(doc, rows: list[list[str]], widths: tuple[int, ...]) -> None:
    """Append a bordered table (first row a repeating bold header) to the body.

    Built as one XML string: python-docx's cell-by-cell API costs ~0.1 ms a cell, this ~3 µs.
    Widths in twentieths of a point."""
    from docx.oxml import parse_xml

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    out = [
        f'<w:tbl {_W}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" '
        f'w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
    ]
    for r, row in enumerate(rows):
        out.append("<w:tr><w:trPr><w:tblHeader/></w:trPr>" if r == 0 else "<w:tr>")
        rpr = "<w:rPr><w:b/></w:rPr>" if r == 0 else ""
        for w, text in zip(widths, row):
            run = f'<w:r>{rpr}<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>' if text else ""
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/></w:tcPr><w:p>{run}</w:p></w:tc>')
        out.append("</w:tr>")
    out.append("</w:tbl>")
    tbl = parse_xml("".join(out))
    body = doc.element.body
    body.insert(len(body) - 1, tbl)  # before the closing sectPr


def _add(doc, text: str, style: str | None = None):
    par = doc.add_paragraph(text, style=style)
    return par


def write_report_docx(
    path: str | Path,
    people: Iterable[Person],
    rng: random.Random,
    book: "NameBook",
    *,
    title_zh: str,
    date: date | datetime,
    rel: str | None = None,
) -> list[Mention]:
    """A police report: title, opening, sentences about some persons, a table of the rest.

    ``rel`` is the file's path relative to the leak root for the Mentions (default: the file name).
    """
    people = list(people)
    rel = rel or Path(path).name
    county = prose.county_of(people[0].county_code if people else None, rng)
    when = prose.as_datetime(date, rng)
    doc = new_document()
    mentions: list[Mention] = []
    npar = 0

    def par(text: str, style: str | None = None) -> int:
        nonlocal npar
        _add(doc, text, style)
        npar += 1
        return npar - 1

    par(title_zh, "Title")
    if rng.random() < 0.5:
        par(f"{county}公安局", None)
    par(rng.choice(prose.REPORT_OPENINGS))

    # Who goes into running text, who into the table.
    if len(people) <= 3:
        n_text = len(people)
    else:
        n_text = rng.randrange(0, min(4, len(people) // 2 + 1))
    in_text, in_table = people[:n_text], people[n_text:]

    if in_text:
        par("一、基本情况", "Heading 1")
    for p in in_text:
        wname = written_name(p, rng, book)
        if rng.random() < 0.08:  # name and village only, no ID
            wid, flags = None, []
        else:
            wid, flags = _id_for_text(p, rng)
        i = par(prose.person_sentence(p, wname, wid, rng))
        mentions.append(Mention(p.pid, rel, "text", {"paragraph": i}, wid, wname, flags))

    if in_table:
        par("二、人员名单" if in_text else "一、人员名单", "Heading 1")
        first = in_table[0]
        lead_name = written_name(first, rng, book)
        i = par(prose.group_sentence(lead_name, len(in_table), rng))
        mentions.append(Mention(first.pid, rel, "text", {"paragraph": i}, None, lead_name, []))
        id_head = rng.choice(("身份证号", "身份证号码", "公民身份号码"))
        rows = [["序号", "姓名", id_head, "现状", "原因"]]
        for r, p in enumerate(in_table, start=1):
            wname = written_name(p, rng, book)
            wid, flags = _id_for_text(p, rng)
            rows.append([str(r), wname, wid, prose.status_zh(p), prose.reason_zh(p, rng)])
            mentions.append(
                Mention(p.pid, rel, "table", {"table": 0, "row": r, "id_col": 2, "name_col": 1}, wid, wname, flags)
            )
        add_table(doc, rows, (700, 2300, 2600, 1300, 2400))

    for text in rng.sample(prose.REPORT_MIDDLES, rng.randrange(1, 3)):
        par(text)
    par(rng.choice(prose.REPORT_CLOSINGS))
    par(rng.choice((f"{county}公安局", f"{county}维稳指挥部办公室", f"{county}公安局国保大队")))
    par(prose.date_zh(when))
    modified = _set_core(doc, rng, when, title_zh)
    _save(doc, path, modified)
    return mentions


def write_speech_docx(
    path: str | Path,
    rng: random.Random,
    *,
    title_zh: str,
    date: date | datetime,
) -> None:
    """A leader's speech or a camp security protocol: boilerplate, no persons, a few officers."""
    when = prose.as_datetime(date, rng)
    county = rng.choice(("疏附县", "特克斯县"))
    doc = new_document()
    doc.add_paragraph(title_zh, style="Title")
    protocol = any(w in title_zh for w in ("规定", "制度", "办法", "预案", "规范", "守则", "细则"))
    if protocol:
        doc.add_paragraph(f"（{prose.date_zh(when)}{county}维稳指挥部印发）")
        items = rng.sample(prose.PROTOCOL_ITEMS, rng.randrange(5, len(prose.PROTOCOL_ITEMS) + 1))
        chapters = ("第一章 总则", "第二章 安全管理", "第三章 应急处置", "第四章 责任追究")
        per = max(1, len(items) // rng.randrange(2, 5))
        for k, item in enumerate(items):
            if k % per == 0 and k // per < len(chapters):
                doc.add_paragraph(chapters[k // per], style="Heading 1")
            doc.add_paragraph(f"第{_zh_num(k + 1)}条 {item}")
    else:
        leader = prose.officer(rng, county)
        doc.add_paragraph(f"——在{county}反恐维稳工作会议上的讲话", style=None)
        doc.add_paragraph(f"（{prose.date_zh(when)}）")
        doc.add_paragraph(rng.choice(prose.SPEECH_OPENINGS))
        heads = ("一、充分认清当前形势", "二、突出工作重点", "三、压实工作责任")
        for h in heads[: rng.randrange(2, 4)]:
            doc.add_paragraph(h, style="Heading 1")
            for text in prose.paragraphs(rng, prose.SPEECH_POINTS, rng.randrange(1, 4)):
                doc.add_paragraph(text)
        doc.add_paragraph("同志们，任务艰巨，责任重大。让我们以更加坚定的决心、更加有力的措施，确保社会大局持续稳定！")
        doc.add_paragraph(f"（根据{leader.unit}{leader.post}{leader.name}同志讲话录音整理）")
    if rng.random() < 0.8:
        doc.add_paragraph("联系人：", style="Heading 2")
        for _ in range(rng.randrange(1, 4)):
            doc.add_paragraph(prose.officer(rng, county).line())
    modified = _set_core(doc, rng, when, title_zh)
    _save(doc, path, modified)


_DIGITS_ZH = "零一二三四五六七八九"


def _zh_num(n: int) -> str:
    if n < 10:
        return _DIGITS_ZH[n]
    if n < 20:
        return "十" + (_DIGITS_ZH[n % 10] if n % 10 else "")
    return _DIGITS_ZH[n // 10] + "十" + (_DIGITS_ZH[n % 10] if n % 10 else "")
