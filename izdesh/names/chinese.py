"""Chinese-character names: splitting given and father's name on any dot look-alike (or guessing
the split when there is none), name readings of characters (pypinyin with per-character overrides
from data/readings.tsv), and reading Latin text as passport pinyin (Maimaiti Tuerxun).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from izdesh.names.data import load_tsv
from izdesh.names.scripts import HAN, char_script, normalize

# Every separator seen between the parts of a Chinese-written name, spaces included.
DOTS = "·・•．‧.・･∙⋅˙‐-－—_ 　,，、"
_SPLIT = re.compile("[" + re.escape(DOTS) + "\\s]+")

READINGS: dict[str, str] = {row[0]: row[1] for row in load_tsv("readings.tsv") if len(row) >= 2}


def split_parts(name_zh: str) -> list[str]:
    """The parts of a Chinese-written name as separated in the source ('买买提·吐尔逊' -> two)."""
    text = normalize(name_zh)
    return [p for p in _SPLIT.split(text) if p]


def guess_splits(part: str, min_len: int = 2) -> list[tuple[str, str]]:
    """Every way to cut an unseparated name in two (both halves at least `min_len` characters)."""
    return [(part[:i], part[i:]) for i in range(min_len, len(part) - min_len + 1)]


@lru_cache(maxsize=None)
def char_reading(ch: str) -> str:
    """Name reading of one Han character ('' for anything else)."""
    if ch in READINGS:
        return READINGS[ch]
    if char_script(ch) != HAN:
        return ""
    from pypinyin import Style, lazy_pinyin

    py = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore", v_to_u=False)
    return py[0].lower() if py else ""


@lru_cache(maxsize=200_000)
def pinyin_syllables(text: str) -> tuple[str, ...]:
    """Name-reading pinyin syllables of the Han characters in `text` (others skipped)."""
    return tuple(r for r in map(char_reading, text) if r)


@lru_cache(maxsize=1)
def _syllable_set() -> frozenset[str]:
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            plain = "".join(
                c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c)
            )
            out.add(plain.lower())
    out.discard("")
    # ü spelled v or yu in passports; the dictionary's ü has become u above (lü -> lu).
    out.update({"lv", "nv", "lve", "nve"})
    return frozenset(s for s in out if s.isascii() and s.isalpha())


@lru_cache(maxsize=65536)
def segment_pinyin(word: str) -> tuple[str, ...] | None:
    """Cut a folded Latin word into pinyin syllables ('maimaiti' -> mai mai ti), preferring few,
    long syllables; None when it cannot be read as pinyin."""
    word = word.lower()
    if not word or not word.isascii() or not word.isalpha():
        return None
    syl = _syllable_set()
    n = len(word)
    best: list[tuple[int, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0, ())
    for i in range(n):
        if best[i] is None:
            continue
        count, seq = best[i]  # type: ignore[misc]
        for j in range(min(n, i + 6), i, -1):
            piece = word[i:j]
            if piece in syl:
                cand = (count + 1, seq + (piece,))
                if best[j] is None or cand[0] < best[j][0]:  # type: ignore[index]
                    best[j] = cand
    return best[n][1] if best[n] else None
