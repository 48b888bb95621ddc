"""Writing systems of a name: which one a text is in, and how to bring Uyghur Arabic and Cyrillic
script to Uyghur Latin (ULY) with umsc. Latin text is folded (lowercase, no diacritics) for display
and comparison; the phonetic layer (`sounds`) reads the unfolded ULY, where é/e and ö/o differ.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from izdesh.names.data import load_toml

HAN, ARABIC, CYRILLIC, LATIN, MIXED, UNKNOWN = (
    "han", "uyghur_arabic", "cyrillic", "latin", "mixed", "unknown",
)  # fmt: skip

_RANGES = (
    (HAN, ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    (ARABIC, ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    (CYRILLIC, ((0x0400, 0x052F), (0x1C80, 0x1C8F), (0xA640, 0xA69F))),
    (LATIN, ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x024F), (0x0250, 0x02AF), (0x1E00, 0x1EFF))),
)  # fmt: skip

# Separators between the parts of a name: spaces, every middle-dot look-alike, hyphens, commas.
SEPARATORS = "·・•．‧.・･∙⋅˙･‐‑‒–—-_,，、/|"
_SPLIT = re.compile("[\\s" + re.escape(SEPARATORS) + "]+")
_APOSTROPHES = re.compile("['’‘`ʼʻ´]")


def char_script(ch: str) -> str | None:
    cp = ord(ch)
    for name, ranges in _RANGES:
        for lo, hi in ranges:
            if lo <= cp <= hi:
                return name
    return None


def normalize(text: str) -> str:
    """NFKC (folds Arabic presentation forms and full-width letters), trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def detect_script(text: str) -> str:
    """'han', 'uyghur_arabic', 'cyrillic', 'latin', 'mixed' (letters of two or more scripts) or
    'unknown' (no letters of these scripts)."""
    seen = {s for s in map(char_script, normalize(text)) if s}
    if not seen:
        return UNKNOWN
    if len(seen) > 1:
        return MIXED
    return seen.pop()


def tokens(text: str) -> list[str]:
    """Split on spaces and on every separator. Apostrophes inside words are kept as "'" (in ULY
    they keep letters apart: is'haq is s+h, not sh); at word edges they are dropped."""
    text = _APOSTROPHES.sub("'", normalize(text))
    return [t.strip("'") for t in _SPLIT.split(text) if t.strip("'")]


def fold_latin(text: str) -> str:
    """Lowercase, diacritics removed (Abdukérim -> abdukerim, Yüsüp -> yusup, ı -> i)."""
    text = normalize(text).lower().replace("ı", "i").replace("ə", "e").replace("ß", "ss")
    text = _APOSTROPHES.sub("", text)
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_CYR_PRE = load_toml("uyghur_sounds.toml")["cyrillic_pre"]


@lru_cache(maxsize=1)
def _converters():  # type: ignore[no-untyped-def]
    from umsc import UgMultiScriptConverter

    return UgMultiScriptConverter("UAS", "ULS"), UgMultiScriptConverter("UCS", "ULS")


@lru_cache(maxsize=65536)
def to_uly(token: str) -> str:
    """One token in any non-Han script as ULY (lowercase, diacritics kept); Latin is returned
    lowercased as it is (it may be Turkish, English or pinyin rather than ULY)."""
    token = normalize(token)
    script = detect_script(token)
    if script == ARABIC:
        uas2uls, _ = _converters()
        return uas2uls(token).lower()
    if script == CYRILLIC:
        _, ucs2uls = _converters()
        low = token.lower()
        low = "".join(_CYR_PRE.get(ch, ch) for ch in low)
        return ucs2uls(low).lower()
    if script == MIXED:  # letters of several scripts in one token: convert piece by piece
        out, run, run_script = [], "", None
        for ch in token:
            s = char_script(ch)
            if s != run_script and run:
                out.append(to_uly(run) if run_script in (ARABIC, CYRILLIC) else run.lower())
                run = ""
            run += ch
            run_script = s
        if run:
            out.append(to_uly(run) if run_script in (ARABIC, CYRILLIC) else run.lower())
        return "".join(out)
    return token.lower()


def to_latin_forms(text: str) -> list[str]:
    """The name in folded Latin: Uyghur Arabic and Cyrillic go through umsc to ULY, then all is
    folded (no diacritics, lowercase). Chinese characters come back as their name-reading pinyin.
    Returns one form per reading (usually one); empty when the text has no letters."""
    from izdesh.names.chinese import pinyin_syllables

    parts: list[str] = []
    for tok in tokens(text):
        if detect_script(tok) == HAN:
            parts.append("".join(pinyin_syllables(tok)))
        else:
            parts.append(fold_latin(to_uly(tok)))
    parts = [p for p in parts if p]
    return [" ".join(parts)] if parts else []
