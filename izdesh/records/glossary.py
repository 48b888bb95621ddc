"""The header glossary: which canonical field a spreadsheet header names (data in data/fields.toml)."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    headers: tuple[str, ...]
    en: str
    ug: str
    tr: str


_NOISE = re.compile(r"[\s:：*＊\u3000]+")


def fold(header: object) -> str:
    """Fold a header cell for matching: NFKC (full-width parens and digits), no spaces or colons."""
    text = unicodedata.normalize("NFKC", str(header or ""))
    return _NOISE.sub("", text)


@cache
def fields() -> dict[str, Field]:
    raw = tomllib.loads(resources.files("izdesh.records").joinpath("data/fields.toml").read_text("utf-8"))
    return {
        key: Field(key, tuple(v["headers"]), v["en"], v["ug"], v["tr"]) for key, v in raw["fields"].items()
    }


@cache
def _lookup() -> tuple[dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    for f in fields().values():
        for h in f.headers:
            exact.setdefault(fold(h), f.key)
    # Longest first, so "户主身份证号" (relative_of) wins over "身份证号" (id_number).
    contained = sorted(exact.items(), key=lambda kv: -len(kv[0]))
    return exact, [(h, k) for h, k in contained if len(h) >= 2]


def field_for(header: object) -> str | None:
    """The canonical field a header names, or None when it names none we know."""
    h = fold(header)
    if not h:
        return None
    exact, contained = _lookup()
    if h in exact:
        return exact[h]
    if len(h) > 16:  # a title or a sentence, not a header
        return None
    for variant, key in contained:
        if variant in h:
            return key
    return None


def map_header(row: list[str]) -> list[str | None]:
    """Canonical field per column; a field claimed twice keeps its first column."""
    seen: set[str] = set()
    out: list[str | None] = []
    for cell in row:
        key = field_for(cell)
        if key is not None and key in seen:
            key = None
        if key is not None:
            seen.add(key)
        out.append(key)
    return out


def find_header_row(rows: list[list[str]], *, scan: int = 12) -> int | None:
    """The header row among the first `scan` rows: the one naming most fields, at least two of them
    including a name or an ID column (title rows and date rows above it name none)."""
    best, best_score = None, 1
    for i, row in enumerate(rows[:scan]):
        keys = [k for k in map_header(row) if k is not None and k != "seq"]
        if not ({"name", "id_number"} & set(keys)):
            continue
        if len(keys) > best_score:
            best, best_score = i, len(keys)
    return best
