"""PDF documents of the synthetic leak: lists and notices naming persons, as text or as scans.

One layout (pages of text lines in points on A4) is drawn two ways:

- ``write_text_pdf``: reportlab with the embedded CJK font; every line is text a PDF reader can
  extract. Mentions are kind ``"text"``.
- ``write_scan_pdf``: the same page rasterised with PIL at 150 dpi on grey paper, slightly rotated,
  mottled and specked, stored as one greyscale JPEG per page with no text layer. Mentions are kind
  ``"ocr"``.

Locator ``{"page": n, "line": k}``, both 0-based: ``k`` counts the visual text lines of page ``n``
from the top (title and header lines included, each table row one line), which is also the line
order ``pdfplumber``'s ``extract_text().splitlines()`` gives for the text PDF.

An ID number or a name is never split across lines. Reportlab runs with ``invariant=1`` and the
rasteriser draws its noise from the caller's rng, so the same inputs and rng state give the same
bytes.
"""

from __future__ import annotations

import contextlib
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from . import prose
from .fonts import draw_text, pdf_font
from .messy import id_text, written_id, written_name
from .model import Mention, Person

if TYPE_CHECKING:  # pragma: no cover
    from .names import NameBook

PAGE_W, PAGE_H = 595.2756, 841.8898  # A4 in points
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 56.0, 50.0, 64.0, 60.0
SCAN_DPI = 150


@dataclass(slots=True)
class Run:
    x: float  # points from the left edge (the centre for align "c")
    text: str
    size: float
    align: str = "l"  # "l" left, "c" centred, "r" right-aligned at x


@dataclass(slots=True)
class Line:
    y: float  # baseline, points from the top edge
    runs: list[Run]


@dataclass(slots=True)
class Page:
    lines: list[Line] = field(default_factory=list)


_WIDTHS: dict[str, float] = {}


def _w(text: str, size: float) -> float:
    """Width in points of ``text`` at ``size`` in the CJK font (per-character cache)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = pdf_font()
    total = 0.0
    for ch in text:
        w = _WIDTHS.get(ch)
        if w is None:
            w = _WIDTHS[ch] = stringWidth(ch, font, 1000.0)
        total += w
    return total * size / 1000.0


def _fit(text: str, size: float, width: float) -> float:
    """The font size (at most ``size``) at which ``text`` fits ``width``."""
    w = _w(text, size)
    if w <= width:
        return size
    return max(4.0, size * width / w * 0.98)


def _wrap(text: str, size: float, width: float, keep: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Greedy CJK line breaking: (start, end) spans, never breaking inside a ``keep`` span."""
    atoms: list[tuple[int, int]] = []
    i = 0
    keep = sorted(keep)
    while i < len(text):
        span = next(((a, b) for a, b in keep if a == i), None)
        if span:
            atoms.append(span)
            i = span[1]
        else:
            atoms.append((i, i + 1))
            i += 1
    lines: list[tuple[int, int]] = []
    start, cur = 0, 0.0
    for a, b in atoms:
        w = _w(text[a:b], size)
        if cur + w > width and a > start:
            lines.append((start, a))
            start, cur = a, 0.0
        cur += w
    if start < len(text):
        lines.append((start, len(text)))
    return lines


@dataclass(slots=True)
class _Pending:
    pid: int
    wid: str | None
    wname: str
    flags: list[str]
    page: int
    line: int


class _Layout:
    """Places lines top-down on A4 pages, starting a new page when one is full."""

    def __init__(self, repeat_header: list[Run] | None = None):
        self.pages: list[Page] = [Page()]
        self.y = MARGIN_T
        self.header: list[Run] | None = repeat_header

    @property
    def loc(self) -> tuple[int, int]:
        return len(self.pages) - 1, len(self.pages[-1].lines)

    def add(self, runs: list[Run], lead: float) -> tuple[int, int]:
        size = max(r.size for r in runs)
        if self.y + lead > PAGE_H - MARGIN_B - 20:
            self.pages.append(Page())
            self.y = MARGIN_T
            if self.header:
                self.y += 16
                self.pages[-1].lines.append(Line(self.y, list(self.header)))
                self.y += 4
        self.y += max(lead, size * 1.2)
        loc = self.loc
        self.pages[-1].lines.append(Line(self.y, runs))
        return loc

    def text(self, s: str, size: float, lead: float, *, indent: float = 0, keep=()) -> list[tuple[int, int, int, int]]:
        """Wrapped paragraph; returns (page, line, start, end) for each line."""
        width = PAGE_W - MARGIN_L - MARGIN_R
        out = []
        for n, (a, b) in enumerate(_wrap(s, size, width - indent, list(keep))):
            x = MARGIN_L + (indent if n == 0 else 0)
            page, line = self.add([Run(x, s[a:b], size)], lead)
            out.append((page, line, a, b))
        return out

    def footer(self) -> None:
        total = len(self.pages)
        for n, page in enumerate(self.pages):
            page.lines.append(Line(PAGE_H - MARGIN_B + 20, [Run(PAGE_W / 2, f"第{n + 1}页 共{total}页", 9, "c")]))


# Column layout of list pages: (header, x, width)
_COLS = (
    ("序号", 0, 24),
    ("姓名", 26, 112),
    ("性别", 140, 24),
    ("身份证号", 166, 110),
    ("住址", 280, 118),
    ("处置情况", 400, 89),
)


def _id_for_text(p: Person, rng: random.Random) -> tuple[str, list[str]]:
    v, flags = written_id(p, rng, in_table=False)
    return id_text(v), flags


def _build(
    people: list[Person], rng: random.Random, book: "NameBook", title_zh: str, when: date | datetime
) -> tuple[list[Page], list[_Pending]]:
    """Lay out a list or notice; persons recorded with their page and line."""
    county = prose.county_of(people[0].county_code if people else None, rng)
    pending: list[_Pending] = []
    body = 11.0
    header_runs = [Run(MARGIN_L + x, h, 10) for h, x, _w_ in _COLS]
    lay = _Layout()
    lay.add([Run(PAGE_W / 2, title_zh, _fit(title_zh, 17, PAGE_W - 100), "c")], 30)
    if rng.random() < 0.6:
        lay.add([Run(PAGE_W / 2, f"{county}公安局（{prose.date_zh(when)}）", 11, "c")], 22)
    lay.y += 8
    notice = rng.random() < 0.3 or len(people) <= 2
    opening = rng.choice(prose.REPORT_OPENINGS)
    lay.text(opening, body, 20, indent=2 * body)
    if notice:
        for p in people:
            wname = written_name(p, rng, book)
            wid, flags = (None, []) if rng.random() < 0.06 else _id_for_text(p, rng)
            s = prose.person_sentence(p, wname, wid, rng)
            keep = []
            ni = s.find(wname)
            keep.append((ni, ni + len(wname)))
            target = ni
            if wid is not None:
                ii = s.find(wid, ni + len(wname))
                keep.append((ii, ii + len(wid)))
                target = ii
            for page, line, a, b in lay.text(s, body, 20, indent=2 * body, keep=keep):
                if a <= target < b:
                    pending.append(_Pending(p.pid, wid, wname, flags, page, line))
    else:
        lay.y += 6
        lay.add(list(header_runs), 20)
        lay.header = header_runs
        for n, p in enumerate(people, start=1):
            wname = written_name(p, rng, book)
            wid, flags = _id_for_text(p, rng)
            address = f"{p.township_zh}{p.village_zh}"
            disposal = prose.status_zh(p)
            if rng.random() < 0.5:
                longer = f"{disposal}（{prose.reason_zh(p, rng)}）"
                if _w(longer, 9) <= _COLS[-1][2]:
                    disposal = longer
            cells = (str(n), wname, prose.sex_zh(p), wid, address, disposal)
            runs = []
            for (h, x, width), text in zip(_COLS, cells):
                if h == "处置情况" or h == "住址":
                    # Free-text cells: a clerk cuts them to the column.
                    while len(text) > 1 and _w(text, 9) > width:
                        text = text[:-1]
                runs.append(Run(MARGIN_L + x, text, _fit(text, 9.5, width)))
            page, line = lay.add(runs, 17)
            pending.append(_Pending(p.pid, wid, wname, flags, page, line))
        lay.header = None
    lay.y += 6
    for text in rng.sample(prose.REPORT_MIDDLES, rng.randrange(0, 2)):
        lay.text(text, body, 20, indent=2 * body)
    lay.text(rng.choice(prose.REPORT_CLOSINGS), body, 20, indent=2 * body)
    right = PAGE_W - MARGIN_R - 20
    lay.add([Run(right, f"{county}公安局", body, "r")], 26)
    lay.add([Run(right, prose.date_zh(when), body, "r")], 20)
    if len(lay.pages) > 1 or rng.random() < 0.5:
        lay.footer()
    return lay.pages, pending


def _mentions(pending: list[_Pending], rel: str, kind: str) -> list[Mention]:
    return [
        Mention(q.pid, rel, kind, {"page": q.page, "line": q.line}, q.wid, q.wname, list(q.flags))
        for q in pending
    ]


@contextlib.contextmanager
def _no_a85():
    """Binary (not ASCII85) streams: a third smaller. Restores reportlab's global afterwards."""
    from reportlab import rl_config

    old = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = old


def _canvas(buf, title_zh: str, rng: random.Random):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(title_zh if rng.random() < 0.5 else "")
    c.setAuthor(rng.choice(prose.AUTHORS))
    c.setCreator(rng.choice(("Microsoft® Word 2010", "Microsoft® Office Word 2007", "WPS 文字", "")))
    c.setProducer(rng.choice(("Microsoft® Word 2010", "WPS Office", "ReportLab PDF Library - www.reportlab.com")))
    return c


def write_text_pdf(
    path: str | Path,
    people: Iterable[Person],
    rng: random.Random,
    book: "NameBook",
    *,
    title_zh: str,
    date: date | datetime,
    rel: str | None = None,
) -> list[Mention]:
    """A text PDF (list or notice) naming persons; Mentions kind "text", {"page", "line"}."""
    people = list(people)
    pages, pending = _build(people, rng, book, title_zh, date)
    font = pdf_font()
    buf = io.BytesIO()
    with _no_a85():
        c = _canvas(buf, title_zh, rng)
        for page in pages:
            for line in page.lines:
                y = PAGE_H - line.y
                for r in line.runs:
                    c.setFont(font, r.size)
                    if r.align == "c":
                        c.drawCentredString(r.x, y, r.text)
                    elif r.align == "r":
                        c.drawRightString(r.x, y, r.text)
                    else:
                        c.drawString(r.x, y, r.text)
            c.showPage()
        c.save()
    Path(path).write_bytes(buf.getvalue())
    return _mentions(pending, rel or Path(path).name, "text")


def _raster(page: Page, rng: random.Random):
    """One scanned page: greyscale PIL image at SCAN_DPI."""
    from PIL import Image, ImageDraw

    k = SCAN_DPI / 72.0
    w, h = round(PAGE_W * k), round(PAGE_H * k)
    base = rng.randrange(212, 238)
    amp = rng.randrange(10, 26)
    sw, sh = w // 8, h // 8
    lut = [base - (v * amp >> 8) for v in range(256)]
    img = Image.frombytes("L", (sw, sh), rng.randbytes(sw * sh)).point(lut).resize((w, h), Image.BILINEAR)
    d = ImageDraw.Draw(img)
    ink = rng.randrange(15, 70)
    dx, dy = rng.uniform(-12, 12), rng.uniform(-10, 14)
    for line in page.lines:
        for r in line.runs:
            draw_text(d, r.x * k + dx, line.y * k + dy, r.text, max(6, round(r.size * k)), ink, r.align)
    for _ in range(rng.randrange(20, 120)):  # dust and toner specks
        x, y = rng.randrange(w), rng.randrange(h)
        s = rng.choice((1, 1, 1, 2, 2, 3))
        d.ellipse((x, y, x + s, y + s), fill=rng.randrange(40, 160))
    if rng.random() < 0.5:  # shadow of the scanner lid along one edge
        edge = rng.randrange(8, 30)
        for i in range(edge):
            d.line((i, 0, i, h), fill=int(90 + (base - 90) * i / edge))
    if rng.random() < 0.8:  # fed a little askew (nearest-neighbour: 5x faster, as legible)
        angle = rng.uniform(-1.4, 1.4)
        img = img.rotate(angle, resample=Image.NEAREST, expand=False, fillcolor=base - amp // 2)
    return img


def write_scan_pdf(
    path: str | Path,
    people: Iterable[Person],
    rng: random.Random,
    book: "NameBook",
    *,
    title_zh: str,
    date: date | datetime,
    rel: str | None = None,
) -> list[Mention]:
    """An image-only "scanned" PDF; Mentions kind "ocr", {"page", "line"} as in the layout."""
    from reportlab.lib.utils import ImageReader

    people = list(people)
    pages, pending = _build(people, rng, book, title_zh, date)
    quality = rng.randrange(45, 70)
    buf = io.BytesIO()
    with _no_a85():
        c = _canvas(buf, "", rng)
        c.setCreator(rng.choice(("Canon iR-ADV C5235", "RICOH MP 2014", "HP Digital Sending", "Kyocera TASKalfa", "")))
        c.setProducer(rng.choice(("Canon", "RICOH", "ScanSoft PDF Create!", "Adobe PSL 1.2e for Canon")))
        for page in pages:
            img = _raster(page, rng)
            jb = io.BytesIO()
            img.save(jb, "JPEG", quality=quality, optimize=False)
            jb.seek(0)
            c.drawImage(ImageReader(jb), 0, 0, PAGE_W, PAGE_H)
            c.showPage()
        c.save()
    Path(path).write_bytes(buf.getvalue())
    return _mentions(pending, rel or Path(path).name, "ocr")
