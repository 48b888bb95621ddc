"""Record terms as data (izdesh/records/data/terms.toml): status, reason, category and relation
words mapped to canonical keys. Code reads the keys; the site shows the labels."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

TERMS_FILE = Path(__file__).resolve().parent.parent / "records" / "data" / "terms.toml"
_FOLD = re.compile(r"[\s\u3000:：,，。.、()（）\[\]【】]+")


def fold(text: str) -> str:
    return _FOLD.sub("", text or "")


@dataclass(frozen=True)
class Terms:
    raw: dict[str, dict[str, dict[str, Any]]]
    # section -> [(folded variant, key)] longest first
    variants: dict[str, list[tuple[str, str]]]

    def lookup(self, section: str, written: str | None) -> str | None:
        """The canonical key for a written word: exact variant first, then the longest variant the
        cell contains ("已结业（2018年）" -> released)."""
        if not written:
            return None
        w = fold(written)
        if not w:
            return None
        pairs = self.variants.get(section, [])
        for v, key in pairs:
            if v == w:
                return key
        for v, key in pairs:
            if len(v) >= 2 and v in w:
                return key
        return None

    def entry(self, section: str, key: str) -> dict[str, Any]:
        return self.raw.get(section, {}).get(key, {})

    def label(self, section: str, key: str | None, lang: str = "en") -> str | None:
        if key is None:
            return None
        e = self.entry(section, key)
        return e.get(lang) or e.get("en") or key


@lru_cache(maxsize=1)
def terms() -> Terms:
    with TERMS_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    variants: dict[str, list[tuple[str, str]]] = {}
    for section, entries in raw.items():
        pairs = []
        for key, e in entries.items():
            for v in e.get("zh", []):
                pairs.append((fold(v), key))
        pairs.sort(key=lambda p: -len(p[0]))
        variants[section] = pairs
    return Terms(raw, variants)
