"""The family's side of a name: tokens in any script brought to ULY, and the readings each token
(or run of tokens) allows: as ULY / a Turkish or English spelling, as an equivalent spelling from
data/exonyms.tsv (Mehmet -> Memet), as passport pinyin (Maimaiti -> mai mai ti), or as Chinese
characters typed by the family.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from izdesh.names.chinese import pinyin_syllables, segment_pinyin
from izdesh.names.data import load_tsv
from izdesh.names.scripts import HAN, detect_script, fold_latin, to_uly, tokens
from izdesh.names.sounds import COSTS, Units, latin_units, syllables_units

_NAME = COSTS["name"]


def _exonym_index() -> dict[str, tuple[str, ...]]:
    """Folded spelling -> the ULY names it can stand for, in the file's order."""
    index: dict[str, tuple[str, ...]] = {}
    for row in load_tsv("exonyms.tsv"):
        canon = row[0]
        for form in row:
            key = fold_latin(form).replace(" ", "")
            if canon not in index.get(key, ()):
                index[key] = (*index.get(key, ()), canon)
    return index


EXONYMS = _exonym_index()
_DOUBLED = re.compile(r"([a-zé])\1")


def spellings(words: str) -> list[str]:
    """A Latin part as written, with a doubled letter also read twice (Mettohti -> 买提托合提) and
    ng also read n + g (Amangül -> 阿曼古丽, Reyhangül -> 热依汗古丽): an apostrophe keeps
    sounds.latin_units from merging them."""
    out = [words]
    if _DOUBLED.search(words):
        out.append(_DOUBLED.sub(r"\1'\1", words))
    out += [w.replace("ng", "n'g") for w in out if "ng" in w]
    return out


class Reading(NamedTuple):
    kind: str  # "latin" | "exonym" | "pinyin" | "han"
    form: str  # what is compared: ULY words, pinyin syllables or Han characters (space-separated)
    penalty: float  # multiplier on the similarity

    @property
    def key(self) -> str:
        return f"{self.kind[0]}:{self.form}"


class QueryToken(NamedTuple):
    text: str  # as typed
    script: str
    uly: str  # ULY (lowercase, diacritics kept) or Han characters


@lru_cache(maxsize=65536)
def query_tokens(text: str) -> tuple[QueryToken, ...]:
    out = []
    for tok in tokens(text)[:8]:
        script = detect_script(tok)
        if script == HAN:
            out.append(QueryToken(tok, script, tok))
        else:
            uly = to_uly(tok)
            if any(ch.isalpha() for ch in uly):
                out.append(QueryToken(tok, script, uly))
    return tuple(out)


@lru_cache(maxsize=65536)
def readings(group: tuple[QueryToken, ...]) -> tuple[Reading, ...]:
    """Every reading of a run of query tokens taken as one name part."""
    han = "".join(t.uly for t in group if t.script == HAN)
    if han:
        return (Reading("han", han, 1.0),) if len(han) == sum(len(t.uly) for t in group) else ()
    words = [t.uly for t in group]
    out = [Reading("latin", w, 1.0) for w in spellings(" ".join(words))]
    joined = fold_latin("".join(words))
    for canon in EXONYMS.get(joined, ()):
        if fold_latin(canon).replace(" ", "") != joined:
            out.append(Reading("exonym", canon, _NAME["exonym"]))
    if all(t.script == "latin" for t in group):
        if "x" in joined:  # x of a pinyin-derived spelling is sh (Abdurixit = Abduréshit)
            out.append(Reading("latin", " ".join(words).replace("x", "sh"), _NAME["x_as_sh"]))
        syl = segment_pinyin(joined)
        if syl:
            out.append(Reading("pinyin", " ".join(syl), _NAME["pinyin"]))
    return tuple(out)


@lru_cache(maxsize=200_000)
def reading_units(key: str) -> Units:
    kind, form = key[0], key[2:]
    if kind == "h":
        return syllables_units(pinyin_syllables(form))
    if kind == "p":
        return syllables_units(tuple(form.split()))
    out: list = []
    for word in form.split():
        out.extend(latin_units(word))
    return tuple(out)
