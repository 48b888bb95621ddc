"""Retrieval keys: both sides of a name reduced to consonant skeletons in the shared sound classes
(izdesh.names.sounds), so that finding candidates is a key intersection.

Key types (prefix):
  p:<skeleton>               one name part (given or father's, either)
  w:<given>-<father>         the whole name, given then father (the query also emits the swap)
  y:<year>:<given>-<father>  the whole name and the birth year (index side: search/index.py), so
                             that a query that carries a year reads only that year's namesakes

A skeleton keeps the consonant classes of a part, H read as K, and leaves out a nasal that closes
a syllable (before a consonant or at the end): Chinese adds those (Patime -> 帕提曼 pa-ti-man,
Muhemmet -> 穆罕默德 mu-han-mo-de) and drops them (Tursun -> 吐尔逊 keeps it, Ibrahim -> 依不拉音
turns m into one). The Chinese side emits one skeleton per part; the query side emits the variants
its spelling allows: an h that Chinese may drop, an l/r closing a syllable that Chinese may drop
(Abdulhemit -> 阿不都哈米提), a final consonant that Chinese may drop, a doubled letter written
twice (Mettursun -> 买提吐尔逊), ng read as n + g (Tursungül -> 吐尔逊古丽), and its exonym /
pinyin readings. So the index stays small (about 2-4 keys a name) and the query carries the
fuzziness.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from izdesh.names.chinese import guess_splits, split_parts
from izdesh.names.scripts import HAN
from izdesh.names.sounds import CONSONANTS, Units, latin_units
from izdesh.names.uyghur import query_tokens, reading_units, readings, spellings

_DROPPABLE_FINAL = "LTKHM"  # Ismail -> 司马义, Ibrahim -> 依不拉音 (m as a nasal coda, then gone)


def skeleton_key(syms: str) -> str:
    """The key of one part from its unit symbols (consonant classes and vowels)."""
    out = []
    for i, s in enumerate(syms):
        if s not in CONSONANTS:
            continue
        if s == "N" and (i + 1 == len(syms) or syms[i + 1] in CONSONANTS):
            continue  # a nasal closing a syllable
        out.append("K" if s == "H" else s)
    return "".join(out) or "0"


def _syms(units: Units) -> str:
    return "".join(u.sym for u in units)


@lru_cache(maxsize=200_000)
def chinese_part_skeletons(part: str) -> tuple[str, ...]:
    return (skeleton_key(_syms(reading_units("h:" + part))),)


@lru_cache(maxsize=200_000)
def keys_for_chinese(name_zh: str) -> frozenset[str]:
    """Keys of a name written in Chinese characters, per part and whole."""
    parts = split_parts(name_zh)
    if not parts:
        return frozenset()
    keys: set[str] = set()
    for p in parts:
        keys.update("p:" + s for s in chinese_part_skeletons(p))
    if len(parts) >= 2:
        for a, b in product(chinese_part_skeletons(parts[0]), chinese_part_skeletons(parts[1])):
            keys.add(f"w:{a}-{b}")
    elif len(parts[0]) >= 4:  # no separator: every cut is a possible given / father split
        for a, b in guess_splits(parts[0]):
            keys.add(f"w:{chinese_part_skeletons(a)[0]}-{chinese_part_skeletons(b)[0]}")
    return frozenset(keys)


def year_keys(whole_keys: frozenset[str] | set[str], year: int) -> list[str]:
    """The year-qualified form of a name's whole keys (w:...)."""
    return [f"y:{year}:{k[2:]}" for k in whole_keys if k.startswith("w:")]


def _spellings(words: str) -> set[str]:
    return set(spellings(words))


def _without_coda_l(syms: str) -> str:
    return "".join(c for i, c in enumerate(syms) if not (c == "L" and i + 1 < len(syms) and syms[i + 1] in CONSONANTS))


def _latin_skeletons(words: str) -> set[str]:
    out: set[str] = set()
    for spelled in _spellings(words):
        units: list = []
        for word in spelled.split():
            units.extend(latin_units(word))
        base = _syms(tuple(units))
        # an l/r closing a syllable inside the part (Abdul-hemit -> 阿不都哈米提), an h (either order)
        forms = {base, _without_coda_l(base)}
        forms |= {f.replace("H", "") for f in forms}
        forms |= {_without_coda_l(f) for f in forms}
        for v in forms:
            sk = skeleton_key(v)
            out.add(sk)
            cons = [i for i, c in enumerate(v) if c in CONSONANTS]
            if cons and v[cons[-1]] in _DROPPABLE_FINAL and len(sk) >= 3:
                out.add(skeleton_key(v[: cons[-1]] + v[cons[-1] + 1 :]))
    return out


def _query_group_skeletons(group) -> set[str]:  # type: ignore[no-untyped-def]
    out: set[str] = set()
    for r in readings(group):
        if r.kind == "han":
            out.update(chinese_part_skeletons(r.form.replace(" ", "")))
        elif r.kind == "pinyin":
            out.add(skeleton_key(_syms(reading_units(r.key))))
        else:
            out.update(_latin_skeletons(r.form))
    return out


@lru_cache(maxsize=16384)
def keys_for_query(text: str) -> frozenset[str]:
    """Keys of a query in any script, in the same key space as keys_for_chinese."""
    toks = query_tokens(text)
    if not toks:
        return frozenset()
    if all(t.script == HAN for t in toks):
        return keys_for_chinese("·".join(t.text for t in toks))
    keys: set[str] = set()
    n = min(len(toks), 5)
    toks = toks[:n]
    for i in range(n):
        for j in range(i + 1, n + 1):
            span = toks[i:j]
            g_all = _query_group_skeletons(span)
            keys.update("p:" + s for s in g_all)
            for cut in range(1, len(span)):
                a = _query_group_skeletons(span[:cut])
                b = _query_group_skeletons(span[cut:])
                for x, y in product(a, b):
                    keys.add(f"w:{x}-{y}")
                    keys.add(f"w:{y}-{x}")
    return frozenset(keys)
