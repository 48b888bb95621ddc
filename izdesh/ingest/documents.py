"""Document readers: each takes one format and gives its text blocks (with locators), its tables
(as Sheets, so person tables in Word reports map like spreadsheets), properties, attachments and
the pages that need OCR. They raise FileError for a file-level fate (encrypted, corrupt, ...).

Locators follow the synthetic leak's ground truth (izdesh.generate):
- docx: running text {"paragraph": i} (index in python-docx ``Document.paragraphs``); tables
  {"table": t, "row": r} (row 0 is the header);
- pptx: {"slide": s, "shape": k, "paragraph": j};
- PDF: {"page": n} blocks split in lines, so records carry {"page": n, "line": k} (0-based, in the
  order the text layer gives them, which is top-down for generated and most scanned-then-OCRed pages);
- doc/ppt/odt/html/txt/email: {"paragraph": i} / {"slide": s, "paragraph": j} / {"line": k}.
XML is parsed with entity resolution and network access off, and a DOCTYPE in an OOXML/ODF part is
refused (an Office file never needs one: it is there for XXE or entity-expansion attacks).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
import shutil
import struct
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from izdesh.ingest.errors import FileError
from izdesh.ingest.tables import Sheet, decode_text

MAX_XML_PART = 256 << 20  # bytes one XML part of an Office file may expand to
MAX_TEXT = 64 << 20  # characters of text read from one file


@dataclass(slots=True)
class Block:
    text: str
    locator: dict[str, Any]


@dataclass(slots=True)
class DocContent:
    blocks: list[Block] = field(default_factory=list)
    sheets: list[tuple[Sheet, dict[str, Any]]] = field(default_factory=list)  # sheet, locator extras
    meta: dict[str, Any] = field(default_factory=dict)
    ocr_pages: list[int] = field(default_factory=list)  # PDF pages (0-based) with images and no text
    attachments: list[tuple[str, bytes]] = field(default_factory=list)  # (name, content)
    problems: list[str] = field(default_factory=list)  # parts that failed: the file is partial
    images: list[str] = field(default_factory=list)  # zip members holding pictures (scans pasted in)
    pages: int = 0  # pages, slides or paragraphs read (for throughput figures)


def _xml_parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def check_ooxml(path: Path) -> None:
    """Refuse an OOXML/ODF zip whose XML declares a DTD or entities (XXE, billion laughs), or whose
    parts expand absurdly (a zip bomb dressed as a document)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > 4 * MAX_XML_PART:
                raise FileError("corrupt", f"document parts expand to {total:,} bytes: refused (possible zip bomb)")
            for info in infos:
                if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    continue
                if info.file_size > MAX_XML_PART or (
                    info.file_size > (16 << 20) and info.file_size > 200 * max(info.compress_size, 1)
                ):
                    raise FileError(
                        "corrupt", f"part {info.filename} expands to {info.file_size:,} bytes: refused (possible zip bomb)"
                    )
                if info.flag_bits & 0x1:
                    raise FileError("encrypted", "the document's zip container is password protected")
                with zf.open(info) as fh:
                    head = fh.read(8192)
                if _DOCTYPE.search(head):
                    raise FileError(
                        "corrupt", f"part {info.filename} declares a DTD or entities (XXE / entity expansion): refused"
                    )
    except FileError:
        raise
    except Exception as exc:  # BadZipFile, and (found by fuzzing) zlib.error, EOFError, OSError,
        # NotImplementedError (unknown zip version or method), UnicodeDecodeError (member names)
        raise FileError("corrupt", f"the document's zip container is broken: {type(exc).__name__}: {exc}") from exc


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Word (docx) -------------------------------------------------------------------------------


def read_docx(path: Path) -> DocContent:
    check_ooxml(path)
    import docx

    try:
        d = docx.Document(str(path))
    except Exception as exc:
        out = _docx_raw(path)  # python-docx wants every part in place; the raw XML may still read
        out.problems.append(f"python-docx could not open it ({type(exc).__name__}: {exc}); raw XML text read")
        return out
    out = DocContent()
    for i, p in enumerate(d.paragraphs):
        out.blocks.append(Block(p.text, {"paragraph": i}))
    for t, table in enumerate(d.tables):
        try:
            rows = [[c.text for c in row.cells] for row in table.rows]
        except Exception as exc:  # irregular grids (gridBefore/After, broken merges)
            out.problems.append(f"table {t}: {exc}")
            rows = [[c.text for c in _row_cells(row)] for row in table.rows]
        out.sheets.append((Sheet(f"table {t}", rows), {"table": t}))
        # Tables inside cells: read their text as blocks so IDs there are found too.
        for r, row in enumerate(table.rows):
            for c in _row_cells(row):
                for nt, nested in enumerate(c.tables):
                    for nr, nrow in enumerate(nested.rows):
                        text = "\t".join(x.text for x in _row_cells(nrow))
                        out.blocks.append(Block(text, {"table": t, "row": r, "nested": nt, "nested_row": nr}))
    for s, sec in enumerate(d.sections):
        for part, where in ((sec.header, "header"), (sec.footer, "footer")):
            try:
                for j, p in enumerate(part.paragraphs):
                    if p.text.strip():
                        out.blocks.append(Block(p.text, {where: s, "paragraph": j}))
            except Exception:
                pass
    _docx_extra_paragraphs(d, out)
    out.images = media_names(path)
    cp = d.core_properties
    out.meta = _props(
        author=cp.author, last_modified_by=cp.last_modified_by, created=cp.created, modified=cp.modified,
        title=cp.title, revision=cp.revision, last_printed=cp.last_printed,
    )  # fmt: skip
    out.pages = len(d.paragraphs)
    return out


def _docx_extra_paragraphs(d: Any, out: DocContent) -> None:
    """Paragraphs python-docx does not list: text boxes, content controls, fallback shapes.
    Located as {"xml_paragraph": i} (index among all w:p of the body part)."""
    body = d.element.body
    seen: set[str] = set()
    for i, p in enumerate(body.iter(f"{_W}p")):
        parent = p.getparent()
        if parent is body:
            continue
        if any(a.tag == f"{_W}tc" for a in p.iterancestors()) and not any(
            a.tag == f"{_W}txbxContent" for a in p.iterancestors()
        ):
            continue  # table cell text is read with its table
        if parent.tag == f"{_W}tc":
            continue
        text = "".join(t.text or "" for t in p.iter(f"{_W}t"))
        if text.strip() and text not in seen:
            seen.add(text)
            out.blocks.append(Block(text, {"xml_paragraph": i}))


def _row_cells(row: Any) -> list[Any]:
    from docx.table import _Cell

    return [_Cell(tc, row) for tc in row._tr.tc_lst]


def media_names(path: Path) -> list[str]:
    """Pictures inside an OOXML/ODF zip big enough to be a pasted scan (OCR candidates). The
    document's own thumbnail (docProps/thumbnail.*, ODF Thumbnails/) is a small rendering of its
    first page, whose text is read from the XML: OCR of it would only repeat that text."""
    try:
        with zipfile.ZipFile(path) as zf:
            return [
                i.filename
                for i in zf.infolist()
                if i.filename.lower().endswith((".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"))
                and not i.filename.startswith(("docProps/", "Thumbnails/"))
                and 4_000 <= i.file_size <= 64 << 20
            ]
    except (zipfile.BadZipFile, OSError):
        return []


def _props(**kw: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in kw.items() if v not in (None, "")}


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_raw(path: Path) -> DocContent:
    from lxml import etree

    out = DocContent()
    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
    except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FileError("corrupt", f"Word document without a readable body: {exc}") from exc
    root = etree.fromstring(xml, _xml_parser())
    for i, p in enumerate(root.iter(f"{_W}p")):
        out.blocks.append(Block("".join(t.text or "" for t in p.iter(f"{_W}t")), {"paragraph": i}))
    return out


# --- OLE2 containers (doc, ppt, msg) ---------------------------------------------------------


def ole_stream(ole: Any, name: str) -> bytes:
    """One stream of an OLE2 file, refused when it claims more bytes than the whole file holds.
    olefile 0.47 follows a stream's sector chain for its declared size even when the chain loops
    back on itself, so a damaged 149 KB .ppt declaring 4 GiB read the same sectors until memory ran
    out (found by fuzzing)."""
    if ole.get_type(name) != 2:  # olefile.STGTY_STREAM: a damaged directory can name a storage here
        raise FileError("corrupt", f"OLE entry {name!r} is not a stream")
    size = ole.get_size(name)
    if ole._filesize is not None and size > ole._filesize:
        raise FileError("corrupt", f"OLE stream {name!r} claims {size:,} bytes, more than the file's {ole._filesize:,}")
    return bytes(ole.openstream(name).read())


# --- Word 97-2003 (doc) ------------------------------------------------------------------------


def read_doc(path: Path) -> DocContent:
    """The text of a binary Word file from its piece table (exact, Unicode), else antiword/catdoc."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:
        raise FileError("corrupt", f"Word 97-2003 container does not open: {exc}") from exc
    meta: dict[str, Any] = {}
    with ole:
        try:
            if not _property_sets_sane(ole):
                raise ValueError("property sets out of bounds")
            m = ole.get_metadata()
            meta = _props(
                author=_s(m.author), last_modified_by=_s(m.last_saved_by), created=m.create_time,
                modified=m.last_saved_time, title=_s(m.title), revision=_s(m.revision_number),
            )  # fmt: skip
        except Exception:
            pass
        try:
            text = _doc_piece_text(ole)
            err = None
        except FileError:
            raise
        except Exception as exc:
            text, err = None, f"{type(exc).__name__}: {exc}"
    if text is None:
        text = _doc_tool(path)
        if text is None:
            raise FileError("corrupt", f"Word 97-2003 text does not read ({err})")
    out = _paragraphs(text)
    out.meta = meta
    return out


_PROPERTY_SETS = ("\x05SummaryInformation", "\x05DocumentSummaryInformation")
_VT_VECTOR = 0x1000


def _property_sets_sane(ole: Any) -> bool:
    """False when a vector property claims more items than its stream holds bytes. olefile 0.47
    loops over such a count unchecked (up to 2**32 times: a hang, found by fuzzing), so the file's
    metadata is skipped rather than parsed. Walks the header as olefile.getproperties() does."""
    for name in _PROPERTY_SETS:
        if not ole.exists(name):
            continue
        data = ole_stream(ole, name)
        if len(data) < 48:
            continue
        start = struct.unpack_from("<I", data, 44)[0]
        if start + 8 > len(data):
            continue  # olefile stops at the header: nothing to loop over
        count = min(struct.unpack_from("<I", data, start + 4)[0], (len(data) - start) // 8)
        for i in range(count):
            at = start + 8 + i * 8
            if at + 8 > len(data):
                break
            offset = start + struct.unpack_from("<I", data, at + 4)[0]
            if offset + 8 > len(data):
                continue
            vtype, n = struct.unpack_from("<II", data, offset)
            if vtype & _VT_VECTOR and n > len(data):
                return False
    return True


def _s(v: Any) -> Any:
    if isinstance(v, bytes):
        for enc in ("utf-8", "gb18030", "cp1252"):
            try:
                return v.decode(enc)
            except UnicodeDecodeError:
                continue
    return v


def _doc_piece_text(ole: Any) -> str:
    wd = ole_stream(ole, "WordDocument")
    if len(wd) < 0x1AA or struct.unpack_from("<H", wd, 0)[0] != 0xA5EC:
        raise ValueError("no Word 97+ file information block")
    flags = struct.unpack_from("<H", wd, 0x0A)[0]
    n_fib = struct.unpack_from("<H", wd, 2)[0]
    if n_fib < 0x00C1 and not flags & 0x0100:
        raise ValueError(f"Word 6/95 file (nFib {n_fib:#x}): left to antiword/catdoc")
    if flags & 0x0100:
        raise FileError("encrypted", "an encrypted Word document (password protected)")
    table = "1Table" if flags & 0x0200 else "0Table"
    if not ole.exists(table):
        raise ValueError(f"{table} stream missing")
    tbl = ole_stream(ole, table)
    csw = struct.unpack_from("<H", wd, 32)[0]
    lw_at = 34 + csw * 2
    cslw = struct.unpack_from("<H", wd, lw_at)[0]
    ccp_text = struct.unpack_from("<i", wd, lw_at + 2 + 3 * 4)[0]
    fc_at = lw_at + 2 + cslw * 4 + 2
    fc_clx, lcb_clx = struct.unpack_from("<II", wd, fc_at + 33 * 8)
    clx = tbl[fc_clx : fc_clx + lcb_clx]
    i = 0
    while i < len(clx) and clx[i] == 0x01:  # Prc: property modifiers, skipped
        i += 3 + struct.unpack_from("<H", clx, i + 1)[0]
    if i >= len(clx) or clx[i] != 0x02:
        raise ValueError("no piece table")
    lcb = struct.unpack_from("<I", clx, i + 1)[0]
    plc = clx[i + 5 : i + 5 + lcb]
    n = (len(plc) - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}i", plc, 0)
    parts: list[str] = []
    got = 0
    for k in range(n):
        fc = struct.unpack_from("<I", plc, (n + 1) * 4 + k * 8 + 2)[0]
        count = cps[k + 1] - cps[k]
        if count <= 0:
            continue
        if fc & 0x40000000:
            off = (fc & ~0x40000000) // 2
            parts.append(wd[off : off + count].decode("cp1252", "replace"))
        else:
            parts.append(wd[fc : fc + 2 * count].decode("utf-16-le", "replace"))
        got += count
        if got >= ccp_text:
            break
    text = "".join(parts)[: max(ccp_text, 0)]
    return _clean_word_text(text)


_FIELD = re.compile(r"\x13[^\x13\x14\x15]*\x14([^\x13\x14\x15]*)\x15|\x13[^\x13\x14\x15]*\x15")


def _clean_word_text(text: str) -> str:
    for _ in range(3):  # nested fields: keep the shown result, drop the instruction
        text = _FIELD.sub(lambda m: m.group(1) or "", text)
    text = text.replace("\x07\r", "\n").replace("\x07", "\t").replace("\x0b", "\n").replace("\x0c", "\n")
    text = re.sub(r"[\x00-\x08\x0e-\x1f]", "", text)
    return text.replace("\r", "\n")


def _doc_tool(path: Path) -> str | None:
    # These tools read a sound file at many MB/s, but a damaged one can send catdoc into an endless
    # loop (found by fuzzing): a time limit scaled to the size; an absurdly long output is refused.
    limit = 5 + 4 * path.stat().st_size / (1 << 20)
    for cmd in (["antiword", "-m", "UTF-8.txt", "-w", "0"], ["catdoc", "-d", "utf-8", "-w"]):
        exe = shutil.which(cmd[0])
        if not exe:
            continue
        out = _run_bounded([exe, *cmd[1:], str(path)], min(limit, 60.0), MAX_TEXT * 4)
        if out and out.strip():
            return out.decode("utf-8", "replace")
    return None


def _run_bounded(argv: list[str], seconds: float, max_bytes: int) -> bytes | None:
    """stdout of a command that exits 0 within `seconds` having written at most `max_bytes`, else None."""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        try:
            out, _ = proc.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return None
    return out if proc.returncode == 0 and len(out) <= max_bytes else None


def _paragraphs(text: str, key: str = "paragraph") -> DocContent:
    out = DocContent()
    for i, line in enumerate(_norm(text)[:MAX_TEXT].split("\n")):
        out.blocks.append(Block(line, {key: i}))
    out.pages = len(out.blocks)
    return out


# --- PowerPoint --------------------------------------------------------------------------------


def read_pptx(path: Path) -> DocContent:
    check_ooxml(path)
    from pptx import Presentation

    try:
        prs = Presentation(str(path))
    except Exception as exc:
        raise FileError("corrupt", f"PowerPoint file does not open: {type(exc).__name__}: {exc}") from exc
    out = DocContent()
    # Slide by slide from the slide list, not through `prs.slides` (which resolves, and renames,
    # every slide part first), so that a slide whose relationship is missing (a damaged file:
    # KeyError "no relationship with key rId7", found by fuzzing) loses that slide only.
    slide_ids = list(prs._element.get_or_add_sldIdLst())
    for s, sld_id in enumerate(slide_ids):
        try:
            slide = prs.part.related_slide(sld_id.rId)
        except Exception as exc:
            out.problems.append(f"slide {s + 1}: {type(exc).__name__}: {exc}")
            continue
        for k, shape in enumerate(slide.shapes):
            for sub in _shapes(shape):
                if getattr(sub, "has_text_frame", False) and sub.has_text_frame:
                    for j, p in enumerate(sub.text_frame.paragraphs):
                        out.blocks.append(Block(p.text, {"slide": s, "shape": k, "paragraph": j}))
                if getattr(sub, "has_table", False) and sub.has_table:
                    rows = [[c.text for c in row.cells] for row in sub.table.rows]
                    out.sheets.append((Sheet(f"slide {s} shape {k}", rows), {"slide": s, "shape": k}))
        try:
            if slide.has_notes_slide:
                for j, p in enumerate(slide.notes_slide.notes_text_frame.paragraphs):
                    if p.text.strip():
                        out.blocks.append(Block(p.text, {"slide": s, "notes": True, "paragraph": j}))
        except Exception:
            pass
    out.images = media_names(path)
    cp = prs.core_properties
    out.meta = _props(author=cp.author, last_modified_by=cp.last_modified_by, created=cp.created,
                      modified=cp.modified, title=cp.title, revision=cp.revision)  # fmt: skip
    out.pages = len(slide_ids)
    return out


def _shapes(shape: Any) -> list[Any]:
    if getattr(shape, "shape_type", None) == 6 and hasattr(shape, "shapes"):  # group
        found = []
        for s in shape.shapes:
            found.extend(_shapes(s))
        return found
    return [shape]


def read_ppt(path: Path) -> DocContent:
    """Binary PowerPoint: the text atoms of the "PowerPoint Document" stream, slide by slide."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
        with ole:
            data = ole_stream(ole, "PowerPoint Document")
            if ole.exists("EncryptedSummary"):
                raise FileError("encrypted", "an encrypted PowerPoint file (password protected)")
    except FileError:
        raise
    except Exception as exc:
        raise FileError("corrupt", f"PowerPoint 97-2003 file does not open: {exc}") from exc
    out = DocContent()
    # Walk the record tree. Text atoms inside a Slide container (0x03EE) belong to that slide
    # (numbered in stream order); inside Notes (0x03F0) to its notes; masters and handouts are
    # layout boilerplate and skipped. The outline list (SlideListWithText, 0x0FF0) is used only
    # when the slides themselves hold no text.
    stack: list[tuple[int, int]] = []  # (record type, end offset)
    slide = notes = -1
    per_slide: dict[tuple[str, int], list[str]] = {}
    outline: dict[int, list[str]] = {}
    persist = -1
    i = 0
    while i + 8 <= len(data):
        while stack and i >= stack[-1][1]:
            stack.pop()
        ver_inst, rtype, rlen = struct.unpack_from("<HHI", data, i)
        body = i + 8
        end = min(len(data), body + rlen)
        if (ver_inst & 0x000F) == 0x000F:  # a container: step into it
            if rtype == 0x03EE:
                slide += 1
            elif rtype == 0x03F0:
                notes += 1
            stack.append((rtype, end))
            i = body
            continue
        types = {t for t, _ in stack}
        if rtype == 0x03F3 and 0x0FF0 in types:  # SlidePersistAtom in the outline list
            persist += 1
        if rtype in (0x0FA0, 0x0FA8, 0x0FBA):  # TextChars (UTF-16), TextBytes, CString
            raw = data[body:end]
            text = raw.decode("cp1252", "replace") if rtype == 0x0FA8 else raw.decode("utf-16-le", "replace")
            if types & {0x03F8, 0x0FC9, 0x040E}:  # MainMaster, Handout, TitleMaster
                pass
            elif 0x03EE in types and rtype != 0x0FBA:
                per_slide.setdefault(("slide", slide), []).append(text)
            elif 0x03F0 in types and rtype != 0x0FBA:
                per_slide.setdefault(("notes", notes), []).append(text)
            elif 0x0FF0 in types and rtype != 0x0FBA:
                outline.setdefault(max(persist, 0), []).append(text)
        i = body + rlen
    if not any(k[0] == "slide" for k in per_slide):
        per_slide.update({("slide", k): v for k, v in outline.items()})
    # Fast-saved files keep superseded copies of edited slides: keep the first of identical ones
    # and number the slides that remain in order.
    kept: dict[tuple[str, int], list[str]] = {}
    seen_texts: set[tuple[str, ...]] = set()
    counters = {"slide": 0, "notes": 0}
    for (where, _n), texts in sorted(per_slide.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        key = (where, *texts)
        if key in seen_texts:
            continue
        seen_texts.add(key)
        kept[(where, counters[where])] = texts
        counters[where] += 1
    per_slide = kept
    slide = counters["slide"] - 1
    for (where, n), texts in sorted(per_slide.items(), key=lambda kv: (kv[0][1], kv[0][0] != "slide")):
        para = 0
        for text in texts:
            for line in _norm(text.replace("\x0b", "\n")).split("\n"):
                loc = {"slide": max(n, 0), "paragraph": para}
                if where == "notes":
                    loc = {"notes_page": max(n, 0), "paragraph": para}
                out.blocks.append(Block(line, loc))
                para += 1
    out.pages = max(slide + 1, len(outline))
    return out


# --- PDF ---------------------------------------------------------------------------------------


def read_pdf(path: Path) -> DocContent:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise FileError("encrypted", "a password-protected PDF") from exc
        raise FileError("corrupt", f"PDF does not open: {msg}") from exc
    out = DocContent()
    try:
        n = len(pdf)
        out.pages = n
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
            out.meta = {k.lower(): v for k, v in meta.items()}
        except Exception:
            pass
        out.meta["pages"] = n
        chars = 0
        for i in range(n):
            try:
                page = pdf[i]
                tp = page.get_textpage()
                text = tp.get_text_range()
                tp.close()
                text = _pdf_text(text)
                if (len(text.strip()) < 8 or _garbled(text)) and _has_image_or_garbled(page, text):
                    out.ocr_pages.append(i)
                page.close()
            except Exception as exc:
                out.problems.append(f"page {i + 1}: {type(exc).__name__}: {exc}")
                continue
            chars += len(text)
            if chars > MAX_TEXT:
                out.problems.append(f"text cut after page {i + 1} (over {MAX_TEXT:,} characters)")
                break
            out.blocks.append(Block(text, {"page": i}))
    finally:
        pdf.close()
    return out


def _pdf_text(text: str) -> str:
    text = _norm(text).replace("\x00", "").replace("\ufffe", "").replace("\x02", "")
    # Presentation forms (Arabic script, CJK compatibility) back to ordinary characters.
    if any("\ufb50" <= c <= "\ufeff" or "\uf900" <= c <= "\ufaff" for c in text):
        text = unicodedata.normalize("NFKC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _garbled(text: str) -> bool:
    """A text layer from fonts without a Unicode map: mostly private-use or control characters."""
    chars = [c for c in text if not c.isspace()]
    if len(chars) < 20:
        return False
    bad = sum(1 for c in chars if "\ue000" <= c <= "\uf8ff" or unicodedata.category(c) in ("Cc", "Co", "Cn"))
    return bad / len(chars) > 0.3


def _has_image_or_garbled(page: Any, text: str) -> bool:
    return _garbled(text) or _has_image(page)


def _has_image(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    try:
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
            return True
    except Exception:
        return True
    return False


def render_pdf_page(path: Path, index: int, dpi: int = 150) -> Any:
    """A PIL image of one PDF page (for OCR)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[index]
        w, h = page.get_size()
        # Cap the raster so an absurd page size cannot exhaust memory.
        scale = min(dpi / 72, 2400 / max(w, h, 1))
        img = page.render(scale=scale, grayscale=True).to_pil()
        page.close()
        return img
    finally:
        pdf.close()


# --- OpenDocument text -------------------------------------------------------------------------

_ODF_T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def read_odt(path: Path) -> DocContent:
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "META-INF/manifest.xml" in names and b"encryption-data" in zf.read("META-INF/manifest.xml"):
                raise FileError("encrypted", "an encrypted OpenDocument file (password protected)")
    except FileError:
        raise
    except Exception as exc:  # not only BadZipFile: see check_ooxml
        raise FileError("corrupt", f"OpenDocument zip is broken: {type(exc).__name__}: {exc}") from exc
    check_ooxml(path)
    with zipfile.ZipFile(path) as zf:
        try:
            root = etree.fromstring(zf.read("content.xml"), _xml_parser())
        except (KeyError, etree.XMLSyntaxError) as exc:
            raise FileError("corrupt", f"OpenDocument content does not read: {exc}") from exc
        meta: dict[str, Any] = {}
        if "meta.xml" in names:
            try:
                m = etree.fromstring(zf.read("meta.xml"), _xml_parser())
                for el in m.iter():
                    tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
                    if tag in ("initial-creator", "creator", "creation-date", "date", "title", "generator") and el.text:
                        meta[tag.replace("-", "_")] = el.text
            except Exception:
                pass
    out = DocContent(meta=meta)
    i = 0
    t = 0
    for el in root.iter(f"{_ODF_T}p", f"{_ODF_T}h", f"{_ODF_TABLE}table"):
        if el.tag == f"{_ODF_TABLE}table":
            rows = []
            for row in el.iter(f"{_ODF_TABLE}table-row"):
                rows.append([_odf_text(c) for c in row if isinstance(c.tag, str) and c.tag.endswith("table-cell")])
            out.sheets.append((Sheet(f"table {t}", rows), {"table": t}))
            t += 1
            continue
        if any(a.tag == f"{_ODF_TABLE}table-cell" for a in el.iterancestors()):
            continue  # table text is read with its table
        out.blocks.append(Block(_odf_text(el), {"paragraph": i}))
        i += 1
    out.pages = i
    return out


def _odf_text(el: Any) -> str:
    parts: list[str] = []

    def walk(e: Any) -> None:
        if e.text:
            parts.append(e.text)
        for c in e:
            tag = c.tag if isinstance(c.tag, str) else ""
            if tag == f"{_ODF_T}s":
                parts.append(" " * int(c.get(f"{_ODF_T}c", "1") or 1))
            elif tag in (f"{_ODF_T}tab", f"{_ODF_T}line-break"):
                parts.append("\t" if tag.endswith("tab") else "\n")
            else:
                walk(c)
            if c.tail:
                parts.append(c.tail)

    walk(el)
    return "".join(parts)


# --- HTML and plain text -----------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
               "blockquote", "pre", "title", "dt", "dd", "td", "th"}  # fmt: skip


def html_text(data: bytes | str) -> tuple[str, list[list[str]]]:
    """Text of an HTML page, one block element a line, and its tables as rows of cell texts."""
    import lxml.html
    from lxml import etree

    if isinstance(data, bytes):
        text, _enc = decode_text(data)
    else:
        text = data
    text = re.sub(r"<!DOCTYPE[^>]*>|<\?xml[^>]*\?>", "", text[: MAX_TEXT], count=2, flags=re.I)
    if not text.strip():
        return "", []
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", text), []
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    tables = []
    for table in root.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            rows.append([" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")])
        tables.append(rows)
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        s = " ".join("".join(buf).split())
        if s:
            lines.append(s)
        buf.clear()

    for ev, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if ev == "start":
            if tag in _BLOCK_TAGS:
                flush()
            if el.text and tag not in ("script", "style"):
                buf.append(el.text)
        else:
            if tag in ("td", "th"):
                buf.append("\t")
            if tag in _BLOCK_TAGS:
                flush()
            if el.tail:
                buf.append(el.tail)
    flush()
    return "\n".join(lines), tables


def read_html(path: Path) -> DocContent:
    text, tables = html_text(path.read_bytes())
    out = _paragraphs(text, "line")
    for t, rows in enumerate(tables):
        out.sheets.append((Sheet(f"table {t}", rows), {"table": t}))
    return out


def read_text(path: Path) -> DocContent:
    data = path.read_bytes()[: MAX_TEXT * 2]
    bad = 0
    try:
        text, enc = decode_text(data)
    except FileError:
        text, enc = data.decode("utf-8", "replace"), "utf-8 (with errors)"
        bad = text.count("\ufffd")
    out = _paragraphs(text, "line")
    out.meta = {"encoding": enc}
    if bad:
        out.meta["undecodable"] = bad
    return out


# --- e-mail ------------------------------------------------------------------------------------

_MAIL_HEADER = re.compile(
    rb"^(?:Received|Return-Path|Delivered-To|From|To|Subject|Date|Message-ID|MIME-Version|X-[\w-]+|Content-Type)\s*:",
    re.I | re.M,
)


def sniff_text_kind(head: bytes) -> str | None:
    """A finer kind for files detect() calls "text": eml, emlx, mbox, vcard, ical, json."""
    h = head.lstrip(b"\xef\xbb\xbf")
    if h.startswith(b"From ") and _MAIL_HEADER.search(h[:4096]):
        return "mbox"
    first, _, rest = h.partition(b"\n")
    if first.strip().isdigit() and len(_MAIL_HEADER.findall(rest[:4096])) >= 2:
        return "emlx"
    if h[:15].upper().startswith(b"BEGIN:VCARD"):
        return "vcard"
    if h[:20].upper().startswith(b"BEGIN:VCALENDAR"):
        return "ical"
    top = h[:8192]
    if len(_MAIL_HEADER.findall(top)) >= 3 and re.match(rb"[\w-]+\s*:", h):
        return "eml"
    if h[:1] in (b"{", b"["):
        return "json"
    return None


def read_email(path: Path, kind: str) -> DocContent:
    data = path.read_bytes()
    if kind == "emlx":
        first, _, rest = data.partition(b"\n")
        n = int(first.strip()) if first.strip().isdigit() else 0  # not a byte count: the whole file
        data = rest[:n] if 0 < n <= len(rest) else rest
    if kind == "mbox":
        return _read_mbox(path)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = DocContent()
    _mail_into(out, msg, 0, prefix="")
    out.meta = out.meta or {}
    return out


def _read_mbox(path: Path) -> DocContent:
    import mailbox

    out = DocContent()
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default),
                       create=False)  # fmt: skip
    try:
        for i, msg in enumerate(box):
            _mail_into(out, msg, i, prefix=f"{i}/")
    finally:
        box.close()
    out.meta["messages"] = out.pages
    return out


def _mail_into(out: DocContent, msg: Message, index: int, prefix: str) -> None:
    heads = {}
    for h in ("subject", "from", "to", "cc", "date", "message-id"):
        try:
            v = msg.get(h)
        except Exception:
            v = None
        if v:
            heads[h.replace("-", "_")] = str(v)
    if index == 0 and not out.meta:
        out.meta = dict(heads)
    out.pages += 1
    n = 0
    if heads.get("subject"):
        out.blocks.append(Block(heads["subject"], {"message": index, "header": "subject"}))
    plain, html = [], []
    for part in msg.walk() if msg.is_multipart() else [msg]:
        if part.is_multipart():
            continue
        disp = (part.get_content_disposition() or "").lower()
        fname = part.get_filename()
        ctype = part.get_content_type()
        if disp == "attachment" or (fname and ctype not in ("text/plain", "text/html")) or (
            not ctype.startswith("text/") and ctype != "message/rfc822"
        ):
            try:
                payload = part.get_payload(decode=True) or b""
            except Exception:
                payload = b""
            n += 1
            name = fname or f"attachment-{n}{_ext(ctype)}"
            out.attachments.append((prefix + name, payload))
            continue
        try:
            body = part.get_content()
        except Exception:
            raw = part.get_payload(decode=True) or b""
            body = decode_text(raw)[0] if raw else ""
        if isinstance(body, bytes):
            body = decode_text(body)[0]
        if not isinstance(body, str):
            body = str(body)
        (html if ctype == "text/html" else plain).append(body)
    text = "\n".join(plain) if plain else "\n".join(html_text(h)[0] for h in html)
    for j, line in enumerate(_norm(text).split("\n")):
        out.blocks.append(Block(line, {"message": index, "line": j}))


def _ext(ctype: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(ctype) or ".bin"


def read_msg(path: Path) -> DocContent:
    """Outlook .msg (an OLE2 file of MAPI properties): subject, body, attachments."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception as exc:
        raise FileError("corrupt", f"Outlook message does not open: {exc}") from exc
    out = DocContent()
    with ole:

        def prop(base: str, tag: str) -> str | None:
            for suffix, enc in (("001F", "utf-16-le"), ("001E", None)):
                name = f"{base}__substg1.0_{tag}{suffix}"
                if ole.exists(name):
                    raw = ole_stream(ole, name)
                    if enc:
                        return raw.decode(enc, "replace").rstrip("\x00")
                    return decode_text(raw)[0].rstrip("\x00")
            return None

        subject = prop("", "0037")
        body = prop("", "1000")
        if not body and ole.exists("__substg1.0_10130102"):
            body = html_text(ole_stream(ole, "__substg1.0_10130102"))[0]
        out.meta = {k: v for k, v in (("subject", subject), ("from", prop("", "0C1A")), ("to", prop("", "0E04")),
                                      ("cc", prop("", "0E03"))) if v}  # fmt: skip
        if subject:
            out.blocks.append(Block(subject, {"message": 0, "header": "subject"}))
        for j, line in enumerate(_norm(body or "").split("\n")):
            out.blocks.append(Block(line, {"message": 0, "line": j}))
        seen = set()
        try:
            storages = ole.listdir(streams=False, storages=True)
        except RecursionError as exc:  # olefile walks the directory tree recursively; a looping tree
            raise FileError("corrupt", "Outlook message: its directory tree loops back on itself") from exc
        for entry in storages:
            top = entry[0]
            if not top.startswith("__attach_version1.0_#") or top in seen:
                continue
            seen.add(top)
            base = top + "/"
            name = prop(base, "3707") or prop(base, "3704") or f"{top[-8:]}.bin"
            data_name = base + "__substg1.0_37010102"
            if ole.exists(data_name):
                out.attachments.append((name, ole_stream(ole, data_name)))
            else:
                out.problems.append(f"attachment {name!r} is an embedded object, not extracted")
    out.pages = 1
    return out


# --- RTF ---------------------------------------------------------------------------------------

_RTF_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}]+)", re.S)
_RTF_SKIP = {b"fonttbl", b"colortbl", b"stylesheet", b"info", b"pict", b"object", b"header", b"footer",
             b"themedata", b"colorschememapping", b"latentstyles", b"datastore", b"xmlnstbl", b"listtable",
             b"listoverridetable", b"rsidtbl", b"generator", b"filetbl", b"revtbl"}  # fmt: skip
_RTF_CHARSET = {134: "gb18030", 136: "big5", 128: "cp932", 129: "cp949", 0: "cp1252", 204: "cp1251", 178: "cp1256"}


def rtf_text(data: bytes) -> str:
    """Plain text of an RTF document: \\uN and \\'hh escapes decoded (\\ansicpg / \\fcharset code
    page for the hex bytes, GB18030 for Chinese files), destinations like font tables skipped."""
    m = re.search(rb"\\ansicpg(\d+)", data[:4096])
    codepage = f"cp{m.group(1).decode()}" if m else "cp1252"
    if codepage == "cp936":
        codepage = "gb18030"
    try:
        codecs.lookup(codepage)
    except LookupError:  # \ansicpg9 and other unknown code pages (found by fuzzing)
        codepage = "cp1252"
    out: list[str] = []
    pending = bytearray()
    stack: list[tuple[bool, int]] = []
    skip, uc, drop = False, 1, 0

    def flush() -> None:
        if pending:
            out.append(bytes(pending).decode(codepage, "replace"))
            pending.clear()

    for tok in _RTF_TOKEN.finditer(data):
        word, num, hexbyte, sym, brace, text = tok.groups()
        if brace == b"{":
            stack.append((skip, uc))
            continue
        if brace == b"}":
            flush()
            skip, uc = stack.pop() if stack else (False, 1)
            continue
        if skip:
            continue
        if hexbyte is not None:
            if drop:
                drop -= 1
                continue
            pending.extend(bytes.fromhex(hexbyte.decode()))
            continue
        flush()
        if word is not None:
            if word in _RTF_SKIP:
                skip = True
            elif word == b"u" and num is not None:
                out.append(chr(int(num) % 65536))
                drop = uc
            elif word == b"uc" and num is not None:
                uc = int(num)
            elif word in (b"par", b"line", b"sect", b"page", b"row"):
                out.append("\n")
            elif word in (b"tab", b"cell"):
                out.append("\t")
        elif sym is not None:
            if sym == b"*":
                skip = True
            elif sym in (b"\\", b"{", b"}"):
                out.append(sym.decode())
            elif sym == b"~":
                out.append("\u00a0")
            elif sym in (b"\n", b"\r"):
                out.append("\n")
        elif text is not None:
            t = text.replace(b"\r", b"").replace(b"\n", b"")
            if drop and t:
                k = min(drop, len(t))
                t, drop = t[k:], drop - k
            out.append(t.decode(codepage, "replace"))
    flush()
    return "".join(out)


def read_rtf(path: Path) -> DocContent:
    return _paragraphs(rtf_text(path.read_bytes()[: MAX_TEXT]))
