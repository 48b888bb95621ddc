"""The township a family names, in any script or spelling ("Toqquzaq", "Tokkuzak", "توققۇزاق",
"托克扎克"), as the store writes it ("托克扎克镇"): the `township_hint` of a search
(search.engine.Filters). Township names are Uyghur words transcribed into Chinese characters the
way personal names are, so the name scorer (izdesh.names) reads them. A hint only orders results:
a wrong guess costs a person a place in the ranking, never a place in the results.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from sqlalchemy import Engine, select

from izdesh.names import detect_script, score
from izdesh.store import schema

MIN_SCORE = (
    0.8  # a spelling scoring at least this against a township's name stands for it
)
# what names the kind of place, not the place: 镇 town, 乡 township, 民族乡 ethnic township ...
_SUFFIX = re.compile(
    r"(柯尔克孜民族乡|蒙古民族乡|哈萨克民族乡|民族乡|街道|社区|镇|乡)$"
)
_KIND_WORDS = re.compile(
    r"\b(township|town|county|nahiye(si)?|nahiyisi|yeza(si)?|yézisi|yezisi|yéza(si)?|bazar(i)?|kent(i)?|"
    r"kasaba(si)?|ilçe(si)?|xiang|zhen|районы?|поселок|посёлок|село)\b",
    re.IGNORECASE,
)
_HAN = re.compile(r"[\u3400-\u9fff]")

_cache: dict[str, tuple[str, ...]] = {}  # by the store's URL
_lock = threading.Lock()


def store_townships(engine: Engine) -> tuple[str, ...]:
    """Every township the store writes, read once per engine (a serving store does not change)."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _cache:
            return _cache[key]
    p = schema.person
    with engine.connect() as conn:
        towns = tuple(
            sorted(
                t for t in conn.execute(select(p.c.township).distinct()).scalars() if t
            )
        )
    with _lock:
        _cache[key] = towns
    return towns


def core(name: str) -> str:
    """A township's name without the word for its kind (托克扎克镇 -> 托克扎克)."""
    return _SUFFIX.sub("", name) or name


def match_township(text: str, townships: tuple[str, ...] | list[str]) -> str | None:
    """The township of `townships` that `text` names, or None when it names none of them.
    Chinese characters: a township whose name holds them (suffix aside; several: the characters
    themselves, which the engine matches as a part of the name). Other scripts: the best name score
    against each township's name, at least MIN_SCORE."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    if not t:
        return None
    if _HAN.search(t):
        c = core(t)
        hits = [z for z in townships if c in z]
        if len(hits) == 1:
            return hits[0]
        return c if hits else None
    words = " ".join(_KIND_WORDS.sub(" ", t).split())
    if not words or detect_script(words) == "unknown":
        return None
    best, which = 0.0, None
    for z in townships:
        s = score(words, core(z)).score
        if s > best:
            best, which = s, z
    return which if best >= MIN_SCORE else None


def resolve_township_hint(engine: Engine, text: str | None) -> str | None:
    """`match_township` over the store's townships."""
    if not text or not text.strip():
        return None
    return match_township(text, store_townships(engine))
