"""Retrieval keys: both sides of a name reduced to consonant skeletons in the shared sound classes
(izdesh.names.sounds), so that finding candidates is a key intersection.

Key types (prefix):
  p:<skeleton>            one name part (given or father's, either)
  w:<given>-<father>      the whole name, given then father (the query also emits the swap)

The Chinese side emits one canonical skeleton per part (plus a variant without an inserted nasal
coda: 穆罕默德 -> MKNMT and MKMT); the query side emits the variants its spelling allows: an h
that Chinese may drop, a final consonant that Chinese may drop, and its exonym / pinyin readings.
So the index stays small (about 3-6 keys a name) and the query carries the fuzziness.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from izdesh.names.chinese import guess_splits, split_parts
from izdesh.names.scripts import HAN
from izdesh.names.sounds import CONSONANTS, Units, skeleton
from izdesh.names.uyghur import query_tokens, reading_units, readings

_NASAL_CODA = 0.5  # costs.toml drop_chinese.nasal_coda marks an inserted -n/-ng


def _sk(s: str) -> str:
    return s or "0"


def _without_inner_nasal(units: Units) -> str:
    kept = []
    for i, u in enumerate(units):
        nxt = units[i + 1] if i + 1 < len(units) else None
        if u.sym == "N" and u.drop == _NASAL_CODA and nxt is not None and nxt.sym in CONSONANTS:
            continue
        kept.append(u)
    return skeleton(tuple(kept))


@lru_cache(maxsize=200_000)
def chinese_part_skeletons(part: str) -> tuple[str, ...]:
    units = reading_units("h:" + part)
    base = _sk(skeleton(units))
    alt = _sk(_without_inner_nasal(units))
    return (base,) if alt == base else (base, alt)


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


def _query_group_skeletons(group) -> set[str]:  # type: ignore[no-untyped-def]
    out: set[str] = set()
    for r in readings(group):
        units = reading_units(r.key)
        if r.kind in ("han", "pinyin"):
            out.update(chinese_part_skeletons(r.form.replace(" ", "")) if r.kind == "han" else ())
            if r.kind == "pinyin":
                out.add(_sk(skeleton(units)))
                out.add(_sk(_without_inner_nasal(units)))
            continue
        for drop_h in (False, True):
            sk = skeleton(units, drop_h=drop_h)
            out.add(_sk(sk))
            if units and units[-1].sym in "LTNKH" and len(sk) >= 3:
                out.add(_sk(sk[:-1]))
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
