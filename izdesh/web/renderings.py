"""A name written in Chinese characters shown as a Uyghur family would write it: Uyghur Latin (ULY)
and Uyghur Arabic script.

The reading of Chinese characters as a Uyghur name belongs to the names package. Until it exposes
one (any of READERS below), the site reads each name part (1) from a table of known transcriptions
(the names package's real pairs, the transcription table of common Uyghur names) or (2) from the
pinyin of its characters, and says which: a pinyin reading is an approximation, never the
family's spelling. Uyghur Arabic script comes from the Latin through umsc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

# Names the names package may give its Chinese -> Uyghur Latin reader (checked at runtime).
READERS = ("uyghur_reading", "read_chinese", "chinese_to_uly", "to_uyghur_latin", "uly_from_chinese")


@dataclass(frozen=True, slots=True)
class Rendering:
    latin: str  # ULY, capitalised words
    arabic: str  # Uyghur Arabic script
    how: str  # "names" | "table" | "pinyin" | "mixed"
    pinyin: str = ""  # Hanyu pinyin with tone marks, as a passport or a Chinese reader would say it


@cache
def _engine_reader():  # type: ignore[no-untyped-def]
    try:
        import izdesh.names as names
    except ImportError:
        return None
    for attr in READERS:
        fn = getattr(names, attr, None)
        if callable(fn):
            return fn
    return None


def _tsv_rows(package: str, name: str) -> list[list[str]]:
    try:
        text = resources.files(package).joinpath(f"data/{name}").read_text("utf-8")
    except (FileNotFoundError, OSError, ModuleNotFoundError):
        return []
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


_WEIGHTED = re.compile(r"^(.*):(\d+(?:\.\d+)?)$")


def _unweighted(tok: str) -> str:
    """'买买提:60' -> '买买提' (the table's rendering weights are not needed here)."""
    m = _WEIGHTED.match(tok)
    return m.group(1) if m else tok


@cache
def _table() -> dict[str, str]:
    """Chinese part -> ULY from the known transcriptions."""
    out: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    rows = _tsv_rows("izdesh.generate", "uyghur_names.tsv")
    for row in rows:
        if row[0].startswith("@") and len(row) >= 2:
            parts[row[0][1:]] = [_unweighted(t) for t in row[1].split()]
    for row in rows:
        if row[0].startswith("@") or len(row) < 4:
            continue
        latin = row[0]
        for tok in row[3].split():
            form = _unweighted(tok)
            forms = [form]
            for comp, alts in parts.items():
                marker = "{" + comp + "}"
                if any(marker in f for f in forms):
                    forms = [f.replace(marker, a) for f in forms for a in alts]
            for f in forms:
                out.setdefault(f, latin)
    for row in _tsv_rows("izdesh.names", "real_pairs.tsv"):
        if len(row) >= 3 and row[2].strip():
            zh_parts = re.split(r"[·・•．‧.\s]+", row[0])
            uly_parts = row[2].split()
            if len(zh_parts) == len(uly_parts):
                for z, u in zip(zh_parts, uly_parts):
                    out.setdefault(z, u)
    return out


_INITIALS = (("zh", "j"), ("ch", "ch"), ("sh", "sh"), ("q", "ch"), ("x", "sh"), ("c", "ts"), ("j", "j"))
_FINALS = (("iang", "iyang"), ("iong", "yung"), ("uang", "uang"), ("ian", "iyan"), ("iao", "iyaw"),
           ("ong", "ung"), ("ai", "ay"), ("ei", "éy"), ("ao", "aw"), ("ou", "ow"), ("ui", "uy"),
           ("iu", "iyu"), ("ie", "iye"), ("ve", "üe"), ("v", "ü"))  # fmt: skip


def _pinyin_to_uly(syl: str) -> str:
    ini, rest = "", syl
    for p, u in _INITIALS:
        if syl.startswith(p):
            ini, rest = u, syl[len(p) :]
            break
    for p, u in _FINALS:
        if rest.endswith(p):
            rest = rest[: -len(p)] + u
            break
    return ini + rest


def _pinyin_reading(part: str) -> str:
    from izdesh.names.chinese import pinyin_syllables

    syls = list(pinyin_syllables(part))
    out = ""
    for i, s in enumerate(syls):
        u = _pinyin_to_uly(s)
        if s == "er" and out:  # 吐尔逊 tu-er-xun: the 尔 of a transcription is an r
            u = "r"
        elif i == len(syls) - 1 and len(syls) > 1 and s in ("ti", "ke", "mu", "fu", "pu", "zi", "si", "li"):
            u = u[:-1]  # 提 木 甫 孜 … write a final consonant in transcriptions
        out += u
    return out


def _to_arabic(latin: str) -> str:
    """Word by word (each word cached: names share few words; umsc reads words apart anyway).
    A word umsc refuses leaves the whole name in Latin only."""
    words = latin.split(" ")
    arabic = [_word_to_arabic(w) if w else "" for w in words]
    if any(w and not a for w, a in zip(words, arabic)):
        return ""
    return " ".join(arabic)


@lru_cache(maxsize=50_000)
def _word_to_arabic(word: str) -> str:
    try:
        from umsc import UgMultiScriptConverter

        # ULY writes n+g as n'g (ng alone is one letter): compounds like Tursun+gül need it.
        text = re.sub(r"ng(?=ül|ul|ul)", "n'g", word.lower())
        return UgMultiScriptConverter("ULS", "UAS")(text)
    except Exception:  # umsc refuses a letter: show the Latin only
        return ""


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _pinyin(name_zh: str) -> str:
    from izdesh.names.chinese import split_parts

    return " ".join(_part_pinyin(p) for p in split_parts(name_zh))


@lru_cache(maxsize=50_000)
def _part_pinyin(part: str) -> str:
    try:
        from pypinyin import Style, lazy_pinyin

        return _cap("".join(lazy_pinyin(part, style=Style.TONE, errors="ignore")))
    except Exception:
        return ""


@lru_cache(maxsize=50_000)
def _part_reading(part: str) -> tuple[str, str] | None:
    """(ULY word, "table" | "pinyin") for one part of a name: names are made of few parts."""
    table = _table()
    if part in table:
        return table[part], "table"
    reading = _pinyin_reading(part)
    return (reading, "pinyin") if reading else None


def render(name_zh: str | None) -> Rendering | None:
    """Latin and Arabic-script renderings of a Chinese-written Uyghur name, or None when the name
    has no Chinese characters (it is then shown as written).

    What is kept between requests is per name part and per word (the store's whole vocabulary,
    some 25,000 parts at full scale, each shared by many persons), never a whole name: a cache of
    names would be a list of whom visitors looked up in the memory of a seized server."""
    if not name_zh or not any("\u4e00" <= ch <= "\u9fff" for ch in name_zh):
        return None
    reader = _engine_reader()
    if reader is not None:
        try:
            out = reader(name_zh)
            latin = out if isinstance(out, str) else (out[0] if out else "")
            if latin:
                latin = " ".join(_cap(w) for w in latin.split())
                return Rendering(latin, _to_arabic(latin), "names", _pinyin(name_zh))
        except Exception:  # the reader's failure must not break a page: fall back below
            pass
    from izdesh.names.chinese import split_parts

    words, hows = [], set()
    for part in split_parts(name_zh):
        got = _part_reading(part)
        if got:
            words.append(got[0])
            hows.add(got[1])
    if not words:
        return None
    latin = " ".join(_cap(w) for w in words)
    how = hows.pop() if len(hows) == 1 else "mixed"
    return Rendering(latin, _to_arabic(latin), how, _pinyin(name_zh))
