"""Status words as the sources write them (Chinese) -> canonical status keys.

The identity engineer's ``izdesh/records/data/terms.toml`` (``[status.<key>] zh = [...]``) is the
source of truth when it exists; until then (or for words it lacks) the fallback table below, which
holds the words the synthetic leak writes and common real-leak variants, is used. Everything that
reads status words in ``analysis`` goes through ``status_key`` so the switch is in one place.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import lru_cache
from pathlib import Path

TERMS_TOML = Path(__file__).resolve().parent.parent / "records" / "data" / "terms.toml"

# Canonical keys, in the order a life in the records goes.
KEYS = ("registered", "blacklisted", "detained", "re_education", "sentenced", "released", "died", "abroad")

# Keys that mean a placement in a camp, a detention centre or a prison (the generator's
# is_camp_or_prison: detained, re_education, sentenced).
CAMP_OR_PRISON = ("detained", "re_education", "sentenced")

FALLBACK: dict[str, tuple[str, ...]] = {
    "registered": ("正常", "在册", "在家", "常住"),
    "blacklisted": ("重点人员", "列管", "重点关注", "重点管控", "关注人员"),
    "detained": ("在押", "刑事拘留", "羁押", "拘留", "行政拘留", "收押"),
    "re_education": ("教育转化", "职业技能教育培训", "集中教育培训", "送教培", "教培", "学员", "培训中"),
    "sentenced": ("判刑", "已判刑", "已判", "服刑", "判决"),
    "released": ("结业", "释放", "已结业", "放出"),
    "died": ("死亡", "病亡", "已故"),
    "abroad": ("在境外", "境外", "国外", "出国"),
}


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).strip().replace(" ", "")


@lru_cache(maxsize=1)
def table() -> dict[str, str]:
    """Folded word -> key: terms.toml first, the fallback for anything it does not list."""
    out: dict[str, str] = {}
    if TERMS_TOML.exists():
        try:
            data = tomllib.loads(TERMS_TOML.read_text(encoding="utf-8"))
            for key, spec in (data.get("status") or {}).items():
                for w in spec.get("zh", ()) if isinstance(spec, dict) else ():
                    out.setdefault(_fold(w), key)
        except (OSError, tomllib.TOMLDecodeError):
            out = {}
    for key, words in FALLBACK.items():
        for w in words:
            out.setdefault(_fold(w), key)
    return out


@lru_cache(maxsize=1)
def _keys() -> frozenset[str]:
    return frozenset(table().values()) | frozenset(KEYS)


def source() -> str:
    return str(TERMS_TOML.relative_to(TERMS_TOML.parents[3])) if TERMS_TOML.exists() else "built-in fallback"


@lru_cache(maxsize=4096)
def status_key(word: str | None) -> str | None:
    """Canonical key of a status as written, or None when the word is unknown or empty."""
    if not word:
        return None
    w = _fold(word)
    if w in _keys():
        return w  # already a canonical key (person.latest_status holds keys)
    t = table()
    if w in t:
        return t[w]
    # The longest known word inside the cell ("已送教培（3月）").
    best = None
    for k, v in t.items():
        if len(k) >= 2 and k in w and (best is None or len(k) > len(best[0])):
            best = (k, v)
    return best[1] if best else None


def words_for(keys: tuple[str, ...]) -> dict[str, list[str]]:
    """The written words counted for each key (for definitions printed in reports)."""
    out: dict[str, list[str]] = {k: [] for k in keys}
    for w, k in table().items():
        if k in out:
            out[k].append(w)
    return out
