"""The shared sound space: a name part in Chinese characters, passport pinyin, ULY or a Turkish /
English spelling becomes a sequence of sound units (consonant classes B M T N L S K H, vowel
classes a i u). Each unit carries what it costs to leave it unmatched, so that the scorer can
forgive what Chinese transcription adds (epenthetic vowels: Abdu- -> 阿布都 a-bu-du, 提 ti for a
final t) or drops (h: Abdurehim -> 阿不都热依木). All tables are in data/*.toml.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from izdesh.names.data import load_toml

_PY = load_toml("pinyin_sounds.toml")
_UY = load_toml("uyghur_sounds.toml")
COSTS = load_toml("costs.toml")

CONSONANTS = frozenset("BMTNLSKH")
VOWELS = frozenset("aiu")

_INITIALS: dict[str, str] = _PY["initials"]
_FINALS: dict[str, list[str]] = {k: v.split() for k, v in _PY["finals"].items()}
_CODA_SYLLABLES: frozenset[str] = frozenset(s for syls in _PY["codas"].values() for s in syls)
_LETTERS: dict[str, str] = _UY["letters"]
_LETTER_LENS = sorted({len(k) for k in _LETTERS}, reverse=True)
_FINAL_LETTERS: dict[str, str] = _UY.get("final_letters", {})

_W = COSTS["weight"]
_DQ = COSTS["drop_query"]
_DZ = COSTS["drop_chinese"]


class Unit(NamedTuple):
    sym: str  # B M T N L S K H | a i u
    drop: float  # cost of leaving it unmatched
    weight: float  # worth when normalising


Units = tuple[Unit, ...]

# y/w spellings of pinyin syllables -> their medial forms (yi -> i, wu -> u, yu -> v, ...)
_YW = (
    ("yu", "v"), ("yi", "i"), ("y", "i"), ("wu", "u"), ("w", "u"),
)  # fmt: skip


def _split_pinyin(syl: str) -> tuple[str, str]:
    for ini in ("zh", "ch", "sh"):
        if syl.startswith(ini):
            return ini, syl[2:]
    if syl[:1] in _INITIALS and syl[:1] not in ("y", "w"):
        return syl[0], syl[1:]
    for spelled, medial in _YW:
        if syl.startswith(spelled):
            rest = syl[len(spelled) :]
            if spelled in ("y", "w") and rest.startswith(medial):  # yin, ying, wu handled above
                return "", rest
            return "", medial + rest
    return "", syl


@lru_cache(maxsize=4096)
def pinyin_units(syl: str) -> Units:
    """Sound units of one pinyin syllable as a carrier of a Uyghur name."""
    syl = syl.lower().replace("ü", "v")
    initial, final = _split_pinyin(syl)
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "v" + final[1:]
    if final == "ue":
        final = "ve"
    out: list[Unit] = []
    if initial:
        sym = _INITIALS[initial]
        out.append(Unit(sym, _DZ["h"] if sym == "H" else _DZ["consonant"], _W["consonant"]))
    spec = _FINALS.get(final)
    if spec is None:  # unknown final: keep its first vowel class, if any
        spec = [next((c for c in final if c in "aeiouv"), "")] if final else []
        spec = [{"e": "a", "o": "u", "v": "u"}.get(s, s) for s in spec if s]
    epenthetic = syl in _CODA_SYLLABLES
    for tok in spec:
        if tok.endswith("~"):
            out.append(Unit(tok[0], _DZ["glide"], _W["glide"]))
        elif tok in VOWELS:
            drop = _DZ["epenthetic"] if epenthetic else _DZ["vowel"]
            out.append(Unit(tok, drop, _W["vowel"]))
        elif tok == "N":
            out.append(Unit("N", _DZ["nasal_coda"] if out else _DZ["consonant"], _W["consonant"]))
        else:
            out.append(Unit(tok, _DZ["consonant"], _W["consonant"]))
    return tuple(out)


def syllables_units(syllables: tuple[str, ...]) -> Units:
    out: list[Unit] = []
    for s in syllables:
        out.extend(pinyin_units(s))
    return tuple(out)


@lru_cache(maxsize=65536)
def latin_units(word: str) -> Units:
    """Sound units of one word in ULY or a Turkish/English spelling (lowercase expected)."""
    w = "".join(ch for ch in word.lower() if ch.isalpha() or ch == "'")
    # doubled letters are one sound in transcription (Kadeer, Muhammad, Abdullah)
    dedup: list[str] = []
    for ch in w:
        if not dedup or dedup[-1] != ch:
            dedup.append(ch)
    w = "".join(dedup)
    out: list[Unit] = []
    i = 0
    while i < len(w):
        if w[i] == "'":  # a boundary: is'haq is s + h
            i += 1
            continue
        for n in _LETTER_LENS:
            piece = w[i : i + n]
            if len(piece) == n and piece in _LETTERS:
                tok = _LETTERS[piece]
                if i + n == len(w) and piece in _FINAL_LETTERS:
                    tok = _FINAL_LETTERS[piece]
                i += n
                break
        else:
            i += 1
            continue
        if tok.endswith("~"):
            out.append(Unit(tok[0], _DQ["glide"], _W["glide"]))
        elif tok in VOWELS:
            out.append(Unit(tok, _DQ["vowel"], _W["vowel"]))
        else:
            out.append(Unit(tok, _DQ["h"] if tok == "H" else _DQ["consonant"], _W["consonant"]))
    # an l/r closing a syllable inside the word is often not written in Chinese (Abdul-hekim ->
    # 阿不都艾克木, the keys' _without_coda_l), nor is a word-final liquid, dental, nasal or velar
    for k in range(len(out) - 1):
        if out[k].sym == "L" and out[k + 1].sym in CONSONANTS:
            out[k] = Unit("L", min(out[k].drop, _DQ["coda_l"]), out[k].weight)
    if out and out[-1].sym in "LTNKH":
        last = out[-1]
        out[-1] = Unit(last.sym, min(last.drop, _DQ["final"]), last.weight)
    return tuple(out)


def skeleton(units: Units, drop_h: bool = False) -> str:
    """Consonant classes only (H counted as K unless dropped): the retrieval key of a part."""
    out = []
    for u in units:
        if u.sym == "H":
            if not drop_h:
                out.append("K")
        elif u.sym in CONSONANTS:
            out.append(u.sym)
    return "".join(out)


def render(units: Units) -> str:
    return "".join(u.sym for u in units)
