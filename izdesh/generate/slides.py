"""Police training slides (PowerPoint) of the synthetic leak.

Mostly boilerplate: a title slide, bullet slides on camp security, Zapya checks, use of weapons,
"de-extremification". When persons are given, each gets a "case" slide written the way trainers
cite a real case (name, ID number, village, what happened).

Locator of a case mention: ``{"slide": s, "shape": k, "paragraph": j}`` (0-based indices into
``Presentation.slides``, ``slide.shapes`` and ``shape.text_frame.paragraphs``). Kind ``"text"``.
"""

from __future__ import annotations

import functools
import io
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from . import prose
from .messy import id_text, written_id, written_name
from .model import Mention, Person
from .zipfix import normalise_zip_bytes

if TYPE_CHECKING:  # pragma: no cover
    from .names import NameBook

_CN_ORD = "一二三四五六七八九十"


@functools.cache
def _template() -> bytes:
    """python-pptx's default deck with only the two layouts used (title; title and content):
    half the parts to load and save per file."""
    from pptx import Presentation

    prs = Presentation()
    for layout in list(prs.slide_layouts)[2:]:
        prs.slide_layouts.remove(layout)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _bullets(slide, lines: list[str]) -> None:
    tf = slide.placeholders[1].text_frame
    tf.text = lines[0]
    for text in lines[1:]:
        tf.add_paragraph().text = text


def write_slides_pptx(
    path: str | Path,
    rng: random.Random,
    *,
    title_zh: str,
    people: Iterable[Person] = (),
    book: "NameBook | None" = None,
    date: date | datetime | None = None,
    rel: str | None = None,
) -> list[Mention]:
    """Training slides; a case slide per person given (``book`` needed then)."""
    from pptx import Presentation

    people = list(people)
    if people and book is None:
        raise ValueError("write_slides_pptx: a NameBook is needed to write persons")
    rel = rel or Path(path).name
    if date is None:
        date = datetime(2016, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    when = prose.as_datetime(date, rng)
    county = prose.county_of(people[0].county_code if people else None, rng)
    prs = Presentation(io.BytesIO(_template()))
    title_layout, body_layout = prs.slide_layouts[0], prs.slide_layouts[1]
    mentions: list[Mention] = []

    s = prs.slides.add_slide(title_layout)
    s.shapes.title.text = title_zh
    s.placeholders[1].text = f"{county}公安局政治处\n{prose.date_zh(when)}"

    topics = rng.sample(prose.SLIDE_TOPICS, rng.randrange(1, 3))
    for t_i, (topic, bullets) in enumerate(topics):
        s = prs.slides.add_slide(body_layout)
        s.shapes.title.text = f"{_CN_ORD[t_i]}、{topic}"
        _bullets(s, list(bullets))
        for b in rng.sample(bullets, rng.randrange(1, len(bullets) + 1)):
            s = prs.slides.add_slide(body_layout)
            s.shapes.title.text = b
            pool = prose.PROTOCOL_ITEMS + prose.SPEECH_POINTS
            _bullets(s, rng.sample(pool, rng.randrange(2, 5)))

    for c_i, p in enumerate(people):
        wname = written_name(p, rng, book)
        v, flags = written_id(p, rng, in_table=False)
        wid = id_text(v)
        s = prs.slides.add_slide(body_layout)
        s.shapes.title.text = f"典型案例{_CN_ORD[c_i % 10]}"
        age = 2017 - p.birth_date.year
        lines = [
            f"{wname}，{prose.sex_zh(p)}，{age}岁，身份证号：{wid}",
            f"户籍地：{p.township_zh}{p.village_zh}",
            f"{prose.event_month(p, rng)}{prose.reason_zh(p, rng)}，{prose.outcome_zh(p, rng)}。",
            rng.choice(("案例启示：快牙传播隐蔽性强，必须逐部手机检查。", "案例启示：对重点人员要做到底数清、情况明。", "案例启示：“两面人”危害大，必须坚决揪出。")),
        ]
        _bullets(s, lines)
        shape_idx = list(s.shapes).index(s.placeholders[1])
        mentions.append(
            Mention(p.pid, rel, "text", {"slide": len(prs.slides) - 1, "shape": shape_idx, "paragraph": 0}, wid, wname, flags)
        )

    s = prs.slides.add_slide(body_layout)
    s.shapes.title.text = "联系方式"
    _bullets(s, [prose.officer(rng, county).line() for _ in range(rng.randrange(1, 3))])

    cp = prs.core_properties
    cp.author = rng.choice(prose.AUTHORS)
    cp.last_modified_by = cp.author
    cp.title = title_zh if rng.random() < 0.5 else ""
    cp.created = when
    modified = when + timedelta(minutes=rng.randrange(5, 900))
    cp.modified = modified
    cp.revision = rng.randrange(1, 30)
    cp.last_printed = when
    buf = io.BytesIO()
    prs.save(buf)
    Path(path).write_bytes(normalise_zip_bytes(buf.getvalue(), modified))
    return mentions
