"""Name and place knowledge for the synthetic leak: Uyghur given names with their real Chinese
renderings and frequencies, Han names, the counties' townships and villages.

All knowledge lives in data files beside this module (``data/``); this module only interprets it:

- ``uyghur_names.tsv``: ULY given name, sex, frequency weight, weighted Chinese renderings (with
  ``{component}`` expansion, e.g. ``{Abdu}热依木`` -> 阿不都热依木 / 阿布都热依木 / 阿卜杜热依木 ...).
- ``uyghur_syllables.tsv``: fallback syllable table for Latin names without a curated rendering.
- ``han_names.tsv``: Han surnames and given names with hand-written pinyin.
- ``places.json``: Shufu (653121) and Tekes (654027) townships and villages.

Draws take exactly one ``rng.random()`` each (bisect over precomputed cumulative weights), so they
are fast and deterministic for a given rng state; the strings returned are the same objects every time.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from bisect import bisect
from functools import lru_cache
from importlib import resources
from itertools import accumulate, product

__all__ = ["NameBook", "latin_to_arabic", "latin_to_cyrillic", "arabic_to_latin", "cyrillic_to_latin", "fold_latin"]

_DATA = "izdesh.generate.data"
_VOWELS = "aeéiouöü"  # the column order of the CV rows in uyghur_syllables.tsv
_DIGRAPHS = ("ch", "sh", "gh", "ng", "zh")
_COMPONENT = re.compile(r"\{([^}]+)\}")


def _read(name: str) -> str:
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


def _rows(name: str):
    for line in _read(name).splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.rstrip("\n").split("\t")


def fold_latin(s: str) -> str:
    """Lookup key for a Latin name: case-, diacritic- and apostrophe-insensitive ("Abdukérim" == "abdukerim")."""
    s = unicodedata.normalize("NFKD", s.strip().lower())
    return "".join(c for c in s if c.isalnum())


def _parse_weighted(spec: str) -> list[tuple[str, float]]:
    out = []
    for item in spec.split():
        text, _, w = item.rpartition(":")
        if not text:
            raise ValueError(f"rendering without weight: {item!r}")
        out.append((text, float(w)))
    return out


def _expand(spec: str, components: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
    """Expand ``{part}`` references (cross product, weights multiplied) and merge duplicates."""
    merged: dict[str, float] = {}
    for text, w in _parse_weighted(spec):
        parts = _COMPONENT.split(text)  # literal, name, literal, name, ...
        choices = []
        for i, p in enumerate(parts):
            if i % 2:
                if p not in components:
                    raise KeyError(f"unknown component {{{p}}} in {spec!r}")
                total = sum(cw for _, cw in components[p])
                choices.append([(ct, cw / total) for ct, cw in components[p]])
            elif p:
                choices.append([(p, 1.0)])
        for combo in product(*choices):
            t = "".join(c for c, _ in combo)
            cw = w
            for _, x in combo:
                cw *= x
            merged[t] = merged.get(t, 0.0) + cw
    return sorted(merged.items(), key=lambda kv: -kv[1])


class _Choice:
    """Weighted choice with one rng.random() per draw."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: list[tuple[str, float]]):
        self.items = [sys.intern(t) for t, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect(self.cum, rng.random() * self.total)]


class NameBook:
    """Loaded once per process (``NameBook.load()``); read-only afterwards."""

    _instance: "NameBook | None" = None

    def __init__(self) -> None:
        components: dict[str, list[tuple[str, float]]] = {}
        self.renderings: dict[str, list[tuple[str, float]]] = {}  # latin -> [(chinese, prob)], most common first
        self.sex_of: dict[str, str] = {}
        self.weight_of: dict[str, float] = {}
        by_sex: dict[str, list[tuple[str, float]]] = {"male": [], "female": []}
        for row in _rows("uyghur_names.tsv"):
            if row[0].startswith("@"):
                components[row[0][1:]] = _parse_weighted(row[1])
                continue
            latin, sex, weight, spec = row
            latin = sys.intern(unicodedata.normalize("NFC", latin))
            if latin in self.renderings:
                raise ValueError(f"duplicate name {latin!r}")
            pairs = _expand(spec, components)
            total = sum(w for _, w in pairs)
            self.renderings[latin] = [(sys.intern(t), w / total) for t, w in pairs]
            self.sex_of[latin] = sex
            self.weight_of[latin] = float(weight)
            by_sex[sex].append((latin, float(weight)))
        self._given = {sex: _Choice(pairs) for sex, pairs in by_sex.items()}
        self._variants = {k: _Choice(v) for k, v in self.renderings.items()}
        self._canonical = {k: v[0][0] for k, v in self.renderings.items()}
        self._folded = {fold_latin(k): k for k in self.renderings}
        self._load_syllables()
        self._load_han()
        self._places = json.loads(_read("places.json"))

    @classmethod
    def load(cls) -> "NameBook":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    # ---- Uyghur names --------------------------------------------------------------------------
    def names(self, sex: str | None = None) -> list[str]:
        """All curated Latin given names (of one sex if given), most frequent first."""
        return [n for n, _ in sorted(self.weight_of.items(), key=lambda kv: -kv[1])
                if sex is None or self.sex_of[n] == sex]

    def given(self, rng: random.Random, sex: str) -> str:
        return self._given[sex].draw(rng)

    def _key(self, latin: str) -> str | None:
        if latin in self._canonical:
            return latin
        if " " in latin.strip():  # "Memet Tursun" is two names, not the compound "Memettursun"
            return None
        return self._folded.get(fold_latin(latin))

    def canonical_chinese(self, latin: str) -> str:
        """Most common Chinese rendering. Several words ("Memet Tursun") are joined with a middle dot."""
        key = self._key(latin)
        if key is not None:
            return self._canonical[key]
        words = latin.split()
        if len(words) > 1:
            return "·".join(self.canonical_chinese(w) for w in words)
        return self._fallback(latin)[0]

    def chinese_variant(self, latin: str, rng: random.Random) -> str:
        """One rendering drawn with the real variation between documents."""
        ch = self._variants.get(latin)
        if ch is not None:
            return ch.draw(rng)
        key = self._key(latin)
        if key is not None:
            return self._variants[key].draw(rng)
        words = latin.split()
        if len(words) > 1:
            return "·".join(self.chinese_variant(w, rng) for w in words)
        return self._fallback_choice(latin).draw(rng)

    def renderings_of(self, latin: str) -> list[tuple[str, float]]:
        """[(chinese, probability)], most common first; fallback names get their syllable renderings."""
        key = self._key(latin)
        if key is not None:
            return list(self.renderings[key])
        words = latin.split()
        if len(words) > 1:
            merged: dict[str, float] = {}
            for combo in product(*[self.renderings_of(w)[:6] for w in words]):
                t = "·".join(c for c, _ in combo)
                w = 1.0
                for _, x in combo:
                    w *= x
                merged[t] = merged.get(t, 0.0) + w
            return sorted(merged.items(), key=lambda kv: -kv[1])
        ch = self._fallback_choice(latin)
        return [(t, (c - p) / ch.total) for t, c, p in zip(ch.items, ch.cum, [0.0] + ch.cum[:-1])]

    # ---- fallback syllable transcription --------------------------------------------------------
    def _load_syllables(self) -> None:
        self._cv: dict[str, list[str]] = {}
        self._v: dict[str, list[str]] = {}
        self._syl: dict[str, list[str]] = {}
        self._coda: dict[str, list[str]] = {}
        for row in _rows("uyghur_syllables.tsv"):
            kind, key, *cells = row
            if kind == "CV":
                for vowel, cell in zip(_VOWELS, cells):
                    self._cv[key + vowel] = cell.split("|")
            elif kind == "V":
                self._v[key] = cells[0].split("|")
            elif kind == "SYL":
                self._syl[key] = cells[0].split("|")
            elif kind == "C":
                self._coda[key] = cells[0].split("|")
        self._fallback_cache: dict[str, _Choice] = {}

    @staticmethod
    def _letters(word: str) -> list[str]:
        w = unicodedata.normalize("NFC", word.lower()).replace("'", "")
        out, i = [], 0
        while i < len(w):
            if w[i : i + 2] in _DIGRAPHS:
                out.append(w[i : i + 2])
                i += 2
            else:
                if w[i].isalpha():
                    out.append(w[i])
                i += 1
        return out

    def _syllables(self, word: str) -> list[list[str]]:
        """Segment into syllables; each is a list of alternative characters (first is canonical)."""
        ls = self._letters(word)
        out: list[list[str]] = []
        i, n = 0, len(ls)
        is_v = lambda k: k < n and ls[k] in _VOWELS  # noqa: E731
        while i < n:
            if is_v(i):
                onset, vowel, j = "", ls[i], i + 1
            elif is_v(i + 1):
                onset, vowel, j = ls[i], ls[i + 1], i + 2
            else:  # consonant not followed by a vowel: a coda (or a cluster)
                out.append(self._coda.get(ls[i], [ls[i]]))
                i += 1
                continue
            # closed by n/ng that Chinese writes as one syllable ("jan" 江, "sun" 逊)
            if j < n and ls[j] in ("n", "ng"):
                whole = onset + vowel + ls[j]
                if whole in self._syl and not is_v(j + 1):
                    out.append(self._syl[whole])
                    i = j + 1
                    continue
                if whole in self._syl and ls[j] == "ng":  # "Yéngi" 英吉: the nasal closes, g opens the next
                    out.append(self._syl[whole])
                    ls[j] = "g"
                    i = j
                    continue
            out.append(self._cv.get(onset + vowel) or self._v.get(vowel, [vowel]) if onset else self._v.get(vowel, [vowel]))
            i = j
        return out

    def _fallback_choice(self, latin: str) -> _Choice:
        ch = self._fallback_cache.get(latin)
        if ch is None:
            sylls = self._syllables(latin)
            pairs: dict[str, float] = {}
            # canonical choice at 0.6 per syllable, alternatives share the rest: a few renderings per name
            for combo in product(*[[(c, (0.6 if k == 0 else 0.4 / (len(alts) - 1)) if len(alts) > 1 else 1.0)
                                    for k, c in enumerate(alts)] for alts in sylls]):
                t = "".join(c for c, _ in combo)
                w = 1.0
                for _, x in combo:
                    w *= x
                pairs[t] = pairs.get(t, 0.0) + w
            ch = _Choice(sorted(pairs.items(), key=lambda kv: -kv[1]) or [(latin, 1.0)])
            if len(self._fallback_cache) < 100_000:
                self._fallback_cache[latin] = ch
        return ch

    def _fallback(self, latin: str) -> list[str]:
        return self._fallback_choice(latin).items

    # ---- Han names -------------------------------------------------------------------------------
    def _load_han(self) -> None:
        groups: dict[str, list[tuple[tuple[str, str], float]]] = {"surname": [], "male": [], "female": []}
        for kind, zh, py, w in _rows("han_names.tsv"):
            groups[kind].append(((sys.intern(zh), py), float(w)))
        self._han = {}
        for kind, rows in groups.items():
            self._han[kind] = ([r for r, _ in rows], list(accumulate(w for _, w in rows)))

    def _han_draw(self, kind: str, rng: random.Random) -> tuple[str, str]:
        items, cum = self._han[kind]
        return items[bisect(cum, rng.random() * cum[-1])]

    def han_name(self, rng: random.Random, sex: str) -> tuple[str, str]:
        s_zh, s_py = self._han_draw("surname", rng)
        g_zh, g_py = self._han_draw(sex, rng)
        return s_zh + g_zh, f"{s_py} {g_py}"

    # ---- places ----------------------------------------------------------------------------------
    def places(self) -> dict:
        """{county code: {name_zh, name_latin, townships: [{name_zh, name_latin, villages: [...]}]}}.
        The same (shared) dict every call: do not mutate it."""
        return self._places


# ---- Uyghur scripts via umsc ---------------------------------------------------------------------
@lru_cache(maxsize=None)
def _converter(src: str, dst: str):
    from umsc import UgMultiScriptConverter

    return UgMultiScriptConverter(src, dst)


def _prep_latin(latin: str) -> str:
    # NFC so that "é" typed as e + U+0301 is one letter; lower() first so "SH"/"Sh" are digraphs too.
    return unicodedata.normalize("NFC", latin).lower().replace("’", "'").replace("ʼ", "'")


@lru_cache(maxsize=65536)
def latin_to_arabic(latin: str) -> str:
    """ULY Latin -> Uyghur Arabic script (capitalisation-insensitive)."""
    return _converter("ULS", "UAS")(_prep_latin(latin))


@lru_cache(maxsize=65536)
def latin_to_cyrillic(latin: str) -> str:
    """ULY Latin -> Uyghur Cyrillic (lowercase, as umsc writes it)."""
    return _converter("ULS", "UCS")(_prep_latin(latin))


def arabic_to_latin(arabic: str) -> str:
    return _converter("UAS", "ULS")(unicodedata.normalize("NFKC", arabic))


def cyrillic_to_latin(cyrillic: str) -> str:
    return _converter("UCS", "ULS")(unicodedata.normalize("NFC", cyrillic))
