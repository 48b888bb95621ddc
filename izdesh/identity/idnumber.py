"""Chinese resident ID numbers (GB 11643-1999): read every written form, validate, decode.

An ID number is 18 characters: region code (6 digits, GB/T 2260), birth date (YYYYMMDD), a
sequence number (3 digits; odd for men, even for women) and an ISO 7064 MOD 11-2 check character
(0-9 or X). The older 15-digit form (1984-1999) is region + YYMMDD + sequence, century 19.

What the leak's spreadsheets and documents actually hold, and what :func:`parse` does with it:

- full-width digits and Ｘ, spaces/NBSP/tabs inside, lowercase x, a leading apostrophe, quotes or
  an ``="..."`` wrapper: normalised, and recorded in ``flags``;
- the 15-digit form: upgraded to 18 with its computed check character (kind ``"id15"``);
- numbers that went through a spreadsheet as a number (kind ``"partial"``): an 18-digit number does
  not fit a double (53 bits, ~15.95 decimal digits), and Excel keeps only 15 significant digits, so
  the tail is lost. The result gives ``bounds`` (the lowest and highest 18-digit numbers the written
  value can have come from, under every loss we know of: nearest double, Excel's truncation to 15
  digits, rounding to 15/16/17 digits by writers and displays such as ``6.53121199001010E+17``) and
  ``pattern``, the digits common to the whole range with ``?`` for the rest. Search matches the
  pattern (and may narrow by the bounds); the true number always lies inside;
- a region code that is unknown or retired is *not* an error: real numbers keep the code of the
  place and year they were first issued (Tekes: 652427, 654127, 654027). Validity is the check
  character plus a real birth date between 1900-01-01 and the reference date.

``parse`` is the hot path of ingest (hundreds of thousands of cells): a clean 18-character string
takes a fast path with no normalisation work.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from izdesh.identity import regions

__all__ = [
    "IdParse",
    "Match",
    "parse",
    "describe",
    "check_char",
    "upgrade15",
    "is_valid",
    "typo_relation",
    "candidates_for_typo",
    "partial_candidates",
    "find_ids",
]

_CHECK = "10X98765432"  # check character for (sum of digit x weight) mod 11
_EARLIEST = date(1900, 1, 1)
_TODAY = date.today()  # default reference date (fixed at import: a long-running server may lag a day)


# --------------------------------------------------------------------------------------- result


@dataclass(frozen=True, slots=True)
class IdParse:
    """One written ID number, read.

    kind: "full" (18 characters as written, possibly with a bad check or date), "id15" (the old
    15-digit form, upgraded), "partial" (digits lost: see ``pattern`` and ``bounds``) or "invalid"
    (not an ID number at all: see ``reason``).
    """

    input: Any  # the value as given
    kind: str
    normalized: str | None  # 18 characters (full, id15), else None
    pattern: str | None  # 18 characters with "?" for unknown ones (partial, or full but suspect)
    valid: bool  # check character right and birth date real (never True for a partial)
    checksum_ok: bool | None  # None where there is no check character to test (id15, partial)
    birth_date: date | None
    sex: str | None  # "male" | "female"
    region_code: str | None
    region_name: str | None  # "新疆维吾尔自治区 喀什地区 疏附县"
    region_status: str  # "current" | "historic" | "unknown"
    flags: tuple[str, ...]  # how it was written / what is wrong, e.g. ("fullwidth", "bad_check")
    reason: str | None  # plain English: why not valid
    bounds: tuple[str, str] | None = None  # partial: lowest and highest possible 18-digit number

    def age_in(self, year: int) -> int | None:
        """Age reached during ``year`` (year minus birth year), or None without a birth date."""
        return None if self.birth_date is None else year - self.birth_date.year

    def age_on(self, day: date) -> int | None:
        b = self.birth_date
        if b is None:
            return None
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def matches(self, id18: str) -> bool:
        """Could this written value be the 18-character number ``id18``?"""
        if self.normalized is not None and self.kind != "partial":
            return self.normalized == id18
        if self.pattern is None or len(id18) != 18:
            return False
        if any(p != "?" and p != c for p, c in zip(self.pattern, id18, strict=True)):
            return False
        return self.bounds is None or self.bounds[0] <= id18 <= self.bounds[1]


def _fast_constructor() -> Any:
    """IdParse(...) without the frozen dataclass __init__ (which calls object.__setattr__ once per
    field: half the cost of a parse). Sets the same slots, in the same order; same object."""
    from dataclasses import fields

    names = [f.name for f in fields(IdParse)]
    args = ", ".join(f"a{i}" for i in range(len(names)))
    setters = ", ".join(f"_s{i}=IdParse.{n}.__set__" for i, n in enumerate(names))
    body = "".join(f"    _s{i}(o, a{i})\n" for i in range(len(names)))
    src = f"def _make({args}, _n=object.__new__, _c=IdParse, {setters}):\n    o = _n(_c)\n{body}    return o\n"
    ns: dict[str, Any] = {"IdParse": IdParse}
    exec(src, ns)  # noqa: S102 - generated from the dataclass's own field names
    return ns["_make"]


_make = _fast_constructor()


# ------------------------------------------------------------------------------------- helpers


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (ASCII)."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError(f"need 17 ASCII digits, got {first17!r}")
    # The weights are 2**(17-i) mod 11. Reading the digits as a base-13 number gives
    # sum(d_i * 13**(16-i)), and 13 = 2 (mod 11), so 2 * int(s, 13) = sum(d_i * w_i) (mod 11):
    # one C call instead of a 17-step Python loop.
    return _CHECK[(2 * int(first17, 13)) % 11]


def upgrade15(id15: str) -> str:
    """The 18-character form of a 15-digit number: century 19 inserted, check character added."""
    if len(id15) != 15 or not (id15.isascii() and id15.isdigit()):
        raise ValueError(f"need 15 ASCII digits, got {id15!r}")
    s17 = id15[:6] + "19" + id15[6:]
    return s17 + check_char(s17)


def is_valid(value: Any, ref_year: int | None = None) -> bool:
    return parse(value, ref_year).valid


_DATES: dict[str, date | None] = {}


def _date8(s: str) -> date | None:
    """YYYYMMDD -> date, or None if not a calendar date. Cached: few distinct values."""
    try:
        return _DATES[s]
    except KeyError:
        pass
    try:
        d: date | None = date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        d = None
    if len(_DATES) < 200_000:
        _DATES[s] = d
    return d


_MISSING = object()
_REGION_FLAG = {"current": (), "historic": ("historic_region",), "unknown": ("unknown_region",)}
_REGIONS: dict[str, tuple[str | None, str, tuple[str, ...]]] = {}


def _region(code: str) -> tuple[str | None, str, tuple[str, ...]]:
    """(full Chinese name, status, flags) of a region code; cached."""
    hit = _REGIONS.get(code)
    if hit is None:
        name, _en, status = regions.region_name(code)
        hit = _REGIONS[code] = (name, status, _REGION_FLAG[status])
    return hit


def _ref_date(ref_year: int | date | None) -> date:
    if ref_year is None:
        return _TODAY
    if isinstance(ref_year, date):
        return ref_year
    return date(ref_year, 12, 31)


# --------------------------------------------------------------------------------------- parsing


def parse(value: str | int | float, ref_year: int | date | None = None) -> IdParse:
    """Read one candidate ID number as written anywhere (see module docstring).

    ``ref_year``: birth dates after the end of that year (or after that date, or after today
    when None) make the number invalid.
    """
    # Fast path: 18 ASCII characters, 17 digits and a digit or X.
    # A right check character goes straight through; a wrong one, or a number ending in 000 (maybe
    # a spreadsheet rendering), takes the slow path that looks for lost digits.
    if type(value) is str and len(value) == 18 and value.isascii():
        if (value.isdigit() and value[15:] != "000") or (value[17] == "X" and value[:17].isdigit()):
            if _CHECK[(2 * int(value[:17], 13)) % 11] == value[17]:
                return _full(value, value, (), ref_year, ok=True)
    return _slow(value, ref_year)


def _full(
    inp: Any, s: str, flags: tuple[str, ...], ref_year: Any, kind: str = "full", ok: bool | None = None
) -> IdParse:
    """s: 18 ASCII characters, digits with an optional final X."""
    if ok is None:
        ok = _CHECK[(2 * int(s[:17], 13)) % 11] == s[17]
    born = _DATES.get(s[6:14], _MISSING)
    if born is _MISSING:
        born = _date8(s[6:14])
    code = s[:6]
    reg = _REGIONS.get(code) or _region(code)
    sex = "male" if s[16] in "13579" else "female"
    checksum_ok: bool | None = None if kind == "id15" else ok  # id15: computed, nothing to test
    if ok and born is not None and _EARLIEST <= born <= (_TODAY if ref_year is None else _ref_date(ref_year)):
        if "maybe_excel" not in flags:
            fl = flags + reg[2] if flags else reg[2]
            return _make(inp, kind, s, None, True, checksum_ok, born, sex, code, reg[0], reg[1], fl, None, None)
    name, status = reg[0], reg[1]
    # Something to say: build flags and reason.
    fl = list(flags)
    why: list[str] = []
    if not ok:
        fl.append("bad_check")
        why.append(
            f"the check character is {s[17]} but the first 17 digits give {_CHECK[(2 * int(s[:17], 13)) % 11]}"
            " (a digit mistyped or two swapped?)"
        )
    if born is None:
        fl.append("bad_date")
        why.append(f"the birth date part {s[6:14]} is not a real date")
    elif born < _EARLIEST:
        fl.append("bad_date")
        why.append(f"the birth date {born.isoformat()} is before 1900")
    else:
        ref = _ref_date(ref_year)
        if born > ref:
            fl.append("bad_date")
            why.append(f"the birth date {born.isoformat()} is after the reference date {ref.isoformat()}")
    if status == "unknown":
        fl.append("unknown_region")
    elif status == "historic":
        fl.append("historic_region")
    valid = not why
    pattern = bounds = None
    if "maybe_excel" in flags:
        # Could also be a 15-significant-digit spreadsheet value: give the range too.
        lo, hi = _display_bounds(int(s), 15)
        pattern, bounds = _pattern(lo, hi), (f"{lo:018d}", f"{hi:018d}")
    reason = None if valid else _sentence(why)
    return IdParse(
        inp, kind, s, pattern, valid, checksum_ok, born, sex, s[:6], name, status, tuple(fl), reason, bounds
    )


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _invalid(inp: Any, reason: str, flags: list[str] | tuple[str, ...] = ()) -> IdParse:
    return IdParse(inp, "invalid", None, None, False, None, None, None, None, None, "unknown", tuple(flags), reason)


# Characters that stand for one unknown digit in a user's partial number.
_WILD = frozenset("?_")
_DROP_SPACE = frozenset(" \t\r\n\u00a0\u2007\u2009\u202f\u3000\u200b\u200c\u200d\u2060\ufeff")
_SEPARATORS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d/")
_QUOTES = "\"'`\u2018\u2019\u201c\u201d\u300c\u300d\u300e\u300f\u00ab\u00bb"
_E_NOTATION = re.compile(r"^([0-9])(?:\.([0-9]*))?[eE]\+?([0-9]{1,2})$")
_DOT_ZERO = re.compile(r"^([0-9]+)\.0*$")


def _slow(value: Any, ref_year: Any) -> IdParse:
    if value is None or isinstance(value, bool):
        return _invalid(value, "No ID number given." if value is None else "Not an ID number.")
    if isinstance(value, float):
        return _from_float(value, value, ["excel_float"], ref_year)
    if isinstance(value, int):
        if value < 0:
            return _invalid(value, "A negative number is not an ID number.")
        return _from_digits(value, str(value), ["number"], ref_year)
    if isinstance(value, Decimal):
        value_s = format(value, "f")
        return _slow_str(value, value_s, ref_year)
    if not isinstance(value, str):
        return _invalid(value, f"Not an ID number: a {type(value).__name__}.")
    return _slow_str(value, value, ref_year)


def _slow_str(inp: Any, text: str, ref_year: Any) -> IdParse:
    flags: list[str] = []
    if any("\uff10" <= c <= "\uff19" or c in "\uff38\uff58" for c in text):
        flags.append("fullwidth")
    t = unicodedata.normalize("NFKC", text).strip("".join(_DROP_SPACE))
    # Wrappers: ="...", '..., "...", 「...」
    if t.startswith('="') and t.endswith('"') and len(t) > 3:
        t = t[2:-1]
        flags.append("quoted")
    if t[:1] in ("'", "\u2018", "\u2019") and not t.endswith(t[:1]):
        t = t[1:]
        flags.append("apostrophe")
    stripped = t.strip(_QUOTES)
    if stripped != t:
        t = stripped
        flags.append("quoted")
    t = t.strip("".join(_DROP_SPACE))
    if not t:
        return _invalid(inp, "No ID number given.", flags)
    # Spreadsheet renderings of a number.
    m = _E_NOTATION.match(t)
    if m:
        flags.append("excel_float")
        return _from_e_notation(inp, m, flags, ref_year)
    m = _DOT_ZERO.match(t)
    if m:
        flags.append("number")
        t = m.group(1)
    out: list[str] = []
    star = False
    for i, c in enumerate(t):
        if "0" <= c <= "9":
            out.append(c)
        elif c == "X":
            out.append("X")
        elif c == "x":
            out.append("X")
            if "lower_x" not in flags:
                flags.append("lower_x")
        elif c in _DROP_SPACE:
            if "spaces" not in flags:
                flags.append("spaces")
        elif c in _SEPARATORS:
            if "separators" not in flags:
                flags.append("separators")
        elif c in _WILD:
            out.append("?")
        elif c == "*" and i == len(t) - 1:
            star = True
        else:
            d = unicodedata.decimal(c, None)
            if d is None:
                return _invalid(inp, f"Contains {c!r}, which is not a digit or X.", flags)
            out.append(str(d))
            if "unicode_digits" not in flags:
                flags.append("unicode_digits")
    s = "".join(out)
    if star or "?" in s:
        return _wildcard(inp, s, star, flags)
    if "X" in s[:-1]:
        return _invalid(inp, "X can only be the last character (the check character).", flags)
    return _from_digits(inp, s, flags, ref_year)


def _from_digits(inp: Any, s: str, flags: list[str], ref_year: Any) -> IdParse:
    """s: ASCII digits with an optional final X."""
    n = len(s)
    if n == 18:
        if s[17] != "X":
            v = int(s)
            if _CHECK[(2 * int(s[:17], 13)) % 11] != s[17]:
                # A bad check on a number that looks like a spreadsheet rendering: digits lost.
                if v % 1000 == 0:
                    lo, hi = _display_bounds(v, 15)
                    return _partial(inp, lo, hi, flags + ["excel_float"], _why_display(s, 15))
                if v > 2**53 and float(v) == v:
                    lo, hi = _float_bounds(float(v))
                    return _partial(inp, lo, hi, flags + ["excel_float"], _why_float(s))
            elif v % 1000 == 0:
                if isinstance(inp, int):  # a number cell: 18 digits cannot have survived
                    lo, hi = _display_bounds(v, 15)
                    return _partial(inp, lo, hi, flags + ["excel_float"], _why_display(s, 15))
                # Written as text: a real number ending in 000 (1 in ~1,100) or a spreadsheet
                # rendering that passes the check by chance (1 in 11). Kept, flagged, with the range.
                flags = flags + ["maybe_excel"]
        return _full(inp, s, tuple(flags), ref_year)
    if n == 15:
        if s[14] == "X":
            return _invalid(inp, "A 15-digit ID number has no check character: X cannot end it.", flags)
        return _full(inp, upgrade15(s), tuple(flags + ["id15"]), ref_year, kind="id15")
    if n == 0:
        return _invalid(inp, "No digits.", flags)
    if n == 17 and s[16] != "X":
        return _invalid(
            inp,
            f"Has 17 digits: one is missing (if it is the check character, the number would be {s}{check_char(s)}).",
            flags,
        )
    return _invalid(inp, f"Has {n} characters; a resident ID number has 18 (or 15 in the old form).", flags)


def _wildcard(inp: Any, s: str, star: bool, flags: list[str]) -> IdParse:
    if star:
        s = s + "?" * (18 - len(s))
    flags = flags + ["wildcard"]
    if len(s) != 18:
        return _invalid(inp, f"A partial ID number needs 18 places (with ? for unknown ones), got {len(s)}.", flags)
    if "X" in s[:-1]:
        return _invalid(inp, "X can only be the last character (the check character).", flags)
    return _partial_pattern(inp, s, None, flags, "Some characters are unknown (?).")


def _partial_pattern(
    inp: Any, pattern: str, bounds: tuple[str, str] | None, flags: list[str], reason: str
) -> IdParse:
    code = pattern[:6] if "?" not in pattern[:6] else None
    name, status, _ = _region(code) if code else (None, "unknown", ())
    born = _date8(pattern[6:14]) if "?" not in pattern[6:14] else None
    sex = None
    if pattern[16] != "?":
        sex = "male" if pattern[16] in "13579" else "female"
    return IdParse(
        inp, "partial", None, pattern, False, None, born, sex, code, name, status, tuple(flags), reason, bounds
    )


def _pattern(lo: int, hi: int) -> str:
    a, b = f"{lo:018d}", f"{hi:018d}"
    k = 0
    while k < 18 and a[k] == b[k]:
        k += 1
    return a[:k] + "?" * (18 - k)


def _partial(inp: Any, lo: int, hi: int, flags: list[str], reason: str) -> IdParse:
    lo, hi = max(lo, 10**17), min(hi, 10**18 - 1)
    return _partial_pattern(inp, _pattern(lo, hi), (f"{lo:018d}", f"{hi:018d}"), flags, reason)


def _why_float(written: str) -> str:
    return (
        f"Stored as a spreadsheet number ({written}): a floating-point number keeps only about 15-16"
        " significant digits, so the last digits of the 18 are lost. Search by the pattern."
    )


def _why_display(written: str, p: int) -> str:
    return (
        f"Written as a spreadsheet number with {p} significant digits ({written}): the digits after"
        f" the {p}th are lost. Search by the pattern."
    )


# Float analysis ----------------------------------------------------------------------------------
#
# A double d near 6.5e17 is a multiple of 128 (its ulp): every integer within 64 of d becomes d.
# What a cell holds depends on the path the number took, and we cannot tell which one it was:
#   (a) the exact ID N, converted to the nearest double:   N in d +- ulp/2
#   (b) Excel's entry: N cut to 15 significant digits V (a multiple of 1000), V stored as a double:
#       N in [V, V+999]
#   (c) a writer or display rounding N or its double to p = 15, 16, 17 significant digits V
#       (xlsxwriter writes %.16G, LibreOffice and "General" displays 15), read back as a double:
#       N in [V - step/2 - ulp/2, V + step/2 + ulp/2].
# (b) and (c) need a multiple of the step inside d's rounding interval; take the union (hull) of all
# the ranges that are possible for this d. The hull is always right; search can narrow by checksum.


def _float_bounds(d: float) -> tuple[int, int]:
    n = int(d)
    half = int(math.ulp(d)) // 2
    lo_i, hi_i = n - half, n + half
    lo, hi = lo_i, hi_i
    for p in (17, 16, 15):
        step = 10 ** (18 - p)
        first = -(-lo_i // step) * step  # smallest multiple >= lo_i
        last = (hi_i // step) * step
        if first <= last:
            lo = min(lo, _display_bounds(first, p)[0])
            hi = max(hi, _display_bounds(last, p)[1])
    # Very few significant digits (a display like 6.53121E+17 read back as a number): the value
    # carries only what its shortest decimal form says.
    mant = repr(d).split("e")[0].replace(".", "").rstrip("0")
    sig = len(mant.lstrip("0"))
    if sig <= 12:
        lo2, hi2 = _display_bounds(int(Decimal(repr(d))), sig)
        lo, hi = min(lo, lo2), max(hi, hi2)
    return lo, hi


def _display_bounds(v: int, p: int) -> tuple[int, int]:
    """v: an 18-digit value written with p significant digits (rest zeros): range of possible N."""
    step = 10 ** (18 - p)
    half_ulp = int(math.ulp(float(v))) // 2
    # rounded (N or its double) to p digits: v - step/2 - ulp/2 ... v + step/2 + ulp/2;
    # truncated to p digits: v ... v + step - 1.
    return v - step // 2 - half_ulp, v + max(step - 1, step // 2 + half_ulp)


def _from_float(inp: Any, d: float, flags: list[str], ref_year: Any) -> IdParse:
    if not math.isfinite(d) or d <= 0:
        return _invalid(inp, "Not an ID number (not a positive finite number).", flags)
    if d < 1e15:  # 15-digit IDs fit a double exactly
        if d != int(d):
            return _invalid(inp, "A number with a fraction is not an ID number.", flags)
        s = str(int(d))
        if len(s) == 15:
            return _from_digits(inp, s, ["number"], ref_year)
        return _invalid(inp, f"Has {len(s)} digits; a resident ID number has 18 (or 15 in the old form).", flags)
    if not (1e17 <= d < 1e18):
        return _invalid(inp, "This number is not of the size of an 18-digit ID number.", flags)
    lo, hi = _float_bounds(d)
    return _partial(inp, lo, hi, flags, _why_float(repr(d)))


def _from_e_notation(inp: Any, m: re.Match[str], flags: list[str], ref_year: Any) -> IdParse:
    digits = m.group(1) + (m.group(2) or "")
    exp = int(m.group(3))
    p = len(digits)  # significant digits as written (trailing zeros count: they were displayed)
    scale = exp - (p - 1)
    if scale < 0:
        return _invalid(inp, "A number with a fraction is not an ID number.", flags)
    v = int(digits) * 10**scale
    total = exp + 1  # digits of the whole number
    if total == 15 and p <= 15:
        if p == 15:
            return _from_digits(inp, str(v), [f for f in flags if f != "excel_float"] + ["number"], ref_year)
        return _invalid(inp, "Too few digits survive to identify a 15-digit number.", flags)
    if total != 18:
        return _invalid(inp, f"This number has {total} digits; a resident ID number has 18 (or 15).", flags)
    if p >= 18:
        return _from_digits(inp, str(v), [f for f in flags if f != "excel_float"] + ["number"], ref_year)
    lo, hi = _display_bounds(v, p)
    return _partial(inp, lo, hi, flags, _why_display(m.group(0), p))


def partial_candidates(p: IdParse, limit: int = 100_000) -> Iterator[str]:
    """Every 18-digit number with a right check character that a partial result can stand for.

    For a spreadsheet float that is ~12-150 numbers. X-ended numbers are left out for spreadsheet
    values (they cannot be stored as numbers) and kept for wildcard patterns.
    """
    if p.kind != "partial" or p.pattern is None:
        return
    if p.bounds is not None:
        lo, hi = int(p.bounds[0]), int(p.bounds[1])
        first17 = lo // 10
        count = 0
        for head in range(first17, hi // 10 + 1):
            s17 = f"{head:017d}"
            c = check_char(s17)
            if c == "X":
                continue
            s = s17 + c
            if lo <= int(s) <= hi and p.matches(s):
                yield s
                count += 1
                if count >= limit:
                    return
        return
    unknown = [i for i, c in enumerate(p.pattern[:17]) if c == "?"]
    if len(unknown) > 6:
        raise ValueError("too many unknown digits to enumerate")
    for k in range(10 ** len(unknown)):
        chars = list(p.pattern)
        for i, digit in zip(unknown, f"{k:0{len(unknown)}d}", strict=True):
            chars[i] = digit
        s17 = "".join(chars[:17])
        c = check_char(s17)
        if chars[17] in ("?", c):
            yield s17 + c


# ---------------------------------------------------------------------------------------- typos


def typo_relation(a: str, b: str) -> str | None:
    """How b differs from a, if by one typing slip: "one_digit" (one character substituted) or
    "transposition" (two adjacent characters swapped). None if equal or further apart.
    Both are compared as 18-character normal forms (pass ``parse(x).normalized``)."""
    if len(a) != len(b):
        return None
    a, b = a.upper(), b.upper()
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return "one_digit"
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return "transposition"
    return None


def candidates_for_typo(id18: str, ref_year: int | date | None = None) -> list[tuple[str, str]]:
    """Valid numbers one typing slip away from ``id18``: [(candidate, "one_digit"|"transposition")].

    The MOD 11-2 check catches every single substitution and every adjacent transposition, so a
    number with a bad check character has at most ~35 such neighbours, and a valid number has none
    (except by a slip in two places). Candidates must also have a real birth date.
    """
    s = id18.upper()
    if len(s) != 18:
        raise ValueError("need 18 characters")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def consider(c: str, rel: str) -> None:
        if c != s and c not in seen and parse(c, ref_year).valid:
            seen.add(c)
            out.append((c, rel))

    for i in range(17):
        for d in "0123456789":
            if d != s[i]:
                consider(s[:i] + d + s[i + 1 :], "one_digit")
    if s[:17].isdigit():
        consider(s[:17] + check_char(s[:17]), "one_digit")
    for i in range(17):
        if s[i] != s[i + 1]:
            consider(s[:i] + s[i + 1] + s[i] + s[i + 2 :], "transposition")
    return out


# ----------------------------------------------------------------------------------- free text


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # span in the text as given: text[start:end]
    end: int
    text: str
    parsed: IdParse


_D = "0-9\uff10-\uff19"  # ASCII and full-width digits
_SEP = " \u00a0\u3000\u2009\u202f\\-"  # one of these may stand between digit groups
_RUN = re.compile(
    rf"(?<![{_D}A-Za-z])[{_D}](?:[{_SEP}]?[{_D}])*(?:[{_SEP}]?[xXｘＸ](?![A-Za-z]))?(?![{_D}])"
)
_E_IN_TEXT = re.compile(r"(?<![0-9.])[1-9]\.[0-9]{4,16}[eE]\+?17(?![0-9])")
_SEP_SPLIT = re.compile(rf"[{_SEP}]")


def find_ids(text: str, ref_year: int | date | None = None) -> list[Match]:
    """ID numbers in running text: 18 or 15 digits (ASCII or full-width, optionally grouped with
    single spaces or hyphens, X at the end), not part of a longer run of digits, plus spreadsheet
    renderings like 6.53121199001010E+17. Grouped forms and 15-digit forms are only taken when they
    check out (valid checksum / real date and known region), to keep other numbers out."""
    found: list[Match] = []
    for m in _RUN.finditer(text):
        found.extend(_ids_in_run(m.group(0), m.start(), ref_year))
    for m in _E_IN_TEXT.finditer(text):
        p = parse(m.group(0), ref_year)
        if p.kind == "partial":
            found.append(Match(m.start(), m.end(), m.group(0), p))
    found.sort(key=lambda x: x.start)
    return found


def _ids_in_run(run: str, offset: int, ref_year: Any) -> list[Match]:
    # Groups of the run: (start, end) offsets of the characters between separators.
    groups: list[tuple[int, int]] = []
    pos = 0
    for part in _SEP_SPLIT.split(run):
        groups.append((pos, pos + len(part)))
        pos += len(part) + 1
    if len(groups) == 1:
        n = len(run)
        if n in (15, 18):
            p = parse(run, ref_year)
            if _plausible(p, strict=False):
                return [Match(offset, offset + n, run, p)]
        return []
    out: list[Match] = []
    i = 0
    while i < len(groups):
        hit = None
        total = 0
        for j in range(i, len(groups)):
            total += groups[j][1] - groups[j][0]
            if total > 18:
                break
            if total in (15, 18):
                piece = run[groups[i][0] : groups[j][1]]
                p = parse(piece, ref_year)
                whole = i == 0 and j == len(groups) - 1
                if _plausible(p, strict=not whole):
                    hit = (j, Match(offset + groups[i][0], offset + groups[j][1], piece, p))
                    if total == 18:
                        break
        if hit is not None:
            out.append(hit[1])
            i = hit[0] + 1
        else:
            i += 1
    return out


def _plausible(p: IdParse, *, strict: bool) -> bool:
    if p.kind == "full":
        if p.checksum_ok:
            return True
        return not strict and p.birth_date is not None and p.region_status != "unknown"
    if p.kind == "id15":
        return p.valid and p.region_status != "unknown"
    return False


# ------------------------------------------------------------------------------------- describe


def describe(value: Any, ref_year: int | date | None = None) -> dict[str, Any]:
    """The ``izdesh id NUMBER --json`` object (CLI.md): input, valid, normalized, birth_date, sex,
    region_code, region_name, reason; plus kind, pattern, bounds, flags, checksum_ok,
    region_status, region_name_en, region_period, age_in_2018."""
    p = parse(value, ref_year)
    info = regions.region_info(p.region_code) if p.region_code else None
    return {
        "input": p.input,
        "valid": p.valid,
        "normalized": p.normalized,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "sex": p.sex,
        "region_code": p.region_code,
        "region_name": p.region_name,
        "reason": p.reason,
        "kind": p.kind,
        "pattern": p.pattern,
        "bounds": list(p.bounds) if p.bounds else None,
        "flags": list(p.flags),
        "checksum_ok": p.checksum_ok,
        "region_status": p.region_status,
        "region_name_en": info.name_en if info else None,
        "region_period": info.period if info else None,
        "age_in_2018": p.age_in(2018),
    }
