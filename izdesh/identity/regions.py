"""Region codes (GB/T 2260) of Chinese resident ID numbers: current and historic, with names.

The first six digits of an ID number are the administrative division where the number was first
issued. Codes change when divisions are renamed, merged or moved (Tekes county in Ili was 652427
before 1984, 654127 in 1984-2001, 654027 since), but an ID number keeps its code for life, so the
leak holds numbers with codes retired long ago. This module therefore knows every code that ever
existed, with the years it was in use, and never treats a retired code as an error.

Data: ``data/gbt2260.tsv``, built from the ``cn/loc.dat`` file that python-stdnum ships (itself
compiled from Wikipedia's lists of PRC division codes, with the years each name was in use); see
``data/README.md``. Rebuild it after upgrading python-stdnum with::

    python -m izdesh.identity.regions --rebuild

English names: ``data/xinjiang_names.tsv``, a curated table for Xinjiang only (province,
prefectures, counties, cities, districts, current and historic). It is curated by hand and not
machine-transliterated because the families using Izdesh know these places by their Uyghur names
(Konasheher, not "Shufu"; Qaraqash, not "Moyu"), because the English spellings in use for minority
place names are not plain pinyin (Tekes not Tekesi, Qapqal not Chabuchaer, Taxkorgan), and because
pypinyin reads some characters of place names wrongly. Other provinces get no English name.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).with_name("data")
_TSV = _DATA / "gbt2260.tsv"
_XJ = _DATA / "xinjiang_names.tsv"

#: Prefecture-level names that only say "the province's own counties": left out of full names.
_FILLER = frozenset(
    {
        "市辖区",
        "县",
        "市",
        "省直辖县级行政区划",
        "省直辖县级行政单位",
        "自治区直辖县级行政区划",
        "自治区直辖县级行政单位",
        "直辖县级行政区划",
    }
)


@dataclass(frozen=True, slots=True)
class Period:
    start: int | None  # first year in use (None: in use before records begin, ~1980)
    end: int | None  # year it stopped being used (None: still in use)
    name: str  # this level's own name in this period, e.g. "特克斯县"

    def label(self) -> str:
        if self.start is None and self.end is None:
            return ""
        return f"{self.start or ''}-{self.end or ''}"


@dataclass(frozen=True, slots=True)
class RegionInfo:
    code: str  # six digits
    name_zh: str  # full name, province / prefecture / county, e.g. "新疆维吾尔自治区 喀什地区 疏附县"
    name_en: str | None  # e.g. "Shufu County (Konasheher), Kashgar Prefecture, Xinjiang"
    status: str  # "current" | "historic"
    periods: tuple[Period, ...]  # this code's own names over time, oldest first
    county_zh: str  # the code's own (latest) name, e.g. "疏附县"
    name_ug: str | None  # Uyghur (Latin script) name of the place where known, e.g. "Konasheher"

    @property
    def period(self) -> str:
        """Years the code was in use, e.g. "1984-2001", "-1984", "2001-" or "" (always)."""
        if not self.periods:
            return ""
        first, last = self.periods[0], self.periods[-1]
        return Period(first.start, last.end, "").label()


# --------------------------------------------------------------------------------------- loading


def _parse_years(text: str) -> tuple[int | None, int | None, str]:
    """'[1984-2001]特克斯县' -> (1984, 2001, '特克斯县'); '疏附县' -> (None, None, '疏附县')."""
    if text.startswith("["):
        years, name = text[1:].split("]", 1)
        start, end = years.split("-")
        return (int(start) if start else None, int(end) if end else None, name)
    return None, None, text


@lru_cache(maxsize=1)
def _raw() -> dict[str, tuple[Period, ...]]:
    table: dict[str, list[Period]] = {}
    with _TSV.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            code, start, end, name = line.rstrip("\n").split("\t")
            table.setdefault(code, []).append(
                Period(int(start) if start else None, int(end) if end else None, name)
            )
    return {k: tuple(v) for k, v in table.items()}


@lru_cache(maxsize=1)
def _xinjiang() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    with _XJ.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            zh, en, ug = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            out[zh] = (en, ug or None)
    return out


def _overlaps(a: Period, b: Period) -> bool:
    a0, a1 = a.start or 0, a.end or 9999
    b0, b1 = b.start or 0, b.end or 9999
    return a0 <= b1 and b0 <= a1


def _name_for(code: str, during: Period | None) -> Period | None:
    periods = _raw().get(code)
    if not periods:
        return None
    if during is not None:
        for p in reversed(periods):
            if _overlaps(p, during):
                return p
    return periods[-1]


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _en(zh: str, *, with_ug: bool) -> str | None:
    hit = _xinjiang().get(zh)
    if hit is None:
        return None
    en, ug = hit
    return f"{en} ({ug})" if with_ug and ug and _fold(ug) not in _fold(en) else en


def _build(code: str) -> RegionInfo | None:
    periods = _raw().get(code)
    if not periods:
        return None
    own = periods[-1]
    status = "current" if own.end is None else "historic"
    prov_code, pref_code = code[:2] + "0000", code[:4] + "00"
    parts: list[str] = []
    en_parts: list[str | None] = []
    prov = _name_for(prov_code, own)
    if prov is not None and code != prov_code:
        parts.append(prov.name)
        en_parts.append(_en(prov.name, with_ug=False))
    if code not in (prov_code, pref_code):
        pref = _name_for(pref_code, own)
        if pref is not None and pref.name not in _FILLER:
            parts.append(pref.name)
            en_parts.append(_en(pref.name, with_ug=True))
    parts.append(own.name)
    en_parts.append(_en(own.name, with_ug=True))
    name_en = None
    if en_parts[-1] is not None:  # English only where the code's own level is known (Xinjiang)
        name_en = ", ".join(e for e in reversed(en_parts) if e)
    ug = _xinjiang().get(own.name, ("", None))[1]
    return RegionInfo(code, " ".join(parts), name_en, status, periods, own.name, ug)


@lru_cache(maxsize=8192)
def region_info(code: str) -> RegionInfo | None:
    """Everything known about a six-digit code, or None if it never existed (as far as we know)."""
    return _build(code) if len(code) == 6 and code.isascii() and code.isdigit() else None


def region_name(code: str) -> tuple[str | None, str | None, str]:
    """(name_zh, name_en or None, status) with status "current", "historic" or "unknown".

    >>> region_name("653121")[0::2]
    ('新疆维吾尔自治区 喀什地区 疏附县', 'current')
    >>> region_name("653121")[1]
    'Shufu County (Konasheher), Kashgar Prefecture (Qeshqer), Xinjiang Uyghur Autonomous Region'
    """
    info = region_info(code)
    if info is None:
        return None, None, "unknown"
    return info.name_zh, info.name_en, info.status


def all_codes() -> list[str]:
    return sorted(_raw())


def codes_named(county_zh: str) -> list[str]:
    """Every code a county ever had, e.g. codes_named("特克斯县") -> ['652427', '654027', '654127']."""
    return sorted(c for c, ps in _raw().items() if any(p.name == county_zh for p in ps))


# -------------------------------------------------------------------------------------- rebuilding


def rebuild(out: Path = _TSV) -> int:
    """Write data/gbt2260.tsv from python-stdnum's cn/loc.dat. Returns the number of lines."""
    import stdnum

    src = Path(stdnum.__file__).with_name("cn") / "loc.dat"
    rows: list[tuple[str, str, str, str]] = []
    province = ""
    for line in src.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if not line.startswith(" "):
            province, rest = line.split(" ", 1)
            assert rest.startswith('province="'), line
            continue
        sub, rest = line.strip().split(" ", 1)
        assert rest.startswith('county="') and rest.endswith('"'), line
        for item in rest[len('county="') : -1].split(","):
            start, end, name = _parse_years(item)
            rows.append(
                (province + sub, "" if start is None else str(start), "" if end is None else str(end), name)
            )
    header = (
        "# GB/T 2260 division codes, current and historic, one line per code and name period.\n"
        "# code\tfirst year\tlast year\tname (empty year: open)\n"
        f"# Built by `python -m izdesh.identity.regions --rebuild` from python-stdnum {stdnum.__version__}"
        " cn/loc.dat (compiled from Wikipedia, CC BY-SA 4.0). See README.md.\n"
    )
    out.write_text(header + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    _raw.cache_clear()
    region_info.cache_clear()
    return len(rows)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--rebuild"]:
        print(f"wrote {rebuild()} lines to {_TSV}")
    else:
        for arg in sys.argv[1:]:
            print(arg, region_info(arg))
