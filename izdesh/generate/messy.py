"""How clerks actually write ID numbers and names: the damage real leaked files carry.

Every writer (tables, documents, photos) asks this module how to write a person's ID number and
name, so the damage rates are the same everywhere and the ground truth records exactly what was
written.

    value, flags = written_id(person, rng, in_table=True)
    name = written_name(person, rng, book)

``flags`` is ``[]`` for a clean value or one of the damage kinds in ``ID_DAMAGE``. The value is a
``str`` except for ``"excel_float"`` (a ``float``: the number a spreadsheet cell holds once an
18-digit ID has been typed as a number; Excel keeps 15 significant digits). Use ``id_text(value)``
for the string the ground truth stores (a number becomes its integer digits,
``"653121199001010000"``).

Also here: GB 11643 ID helpers (``check_char``, ``is_valid_id``, ``to_id15``) shared by the
population builder and the tests.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .model import Person
    from .names import NameBook

# --- GB 11643-1999 resident ID numbers -------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"  # ISO 7064 MOD 11-2: sum mod 11 -> check character


def check_char(first17: str) -> str:
    """The 18th character (ISO 7064 MOD 11-2) of an ID whose first 17 digits are given."""
    s = 0
    for w, c in zip(_WEIGHTS, first17):
        s += w * (ord(c) - 48)
    return _CHECK[s % 11]


def is_valid_id(s: str) -> bool:
    """True for a well-formed 18-character ID with a correct check character (upper-case X)."""
    return (
        len(s) == 18
        and s[:17].isdigit()
        and s[:17].isascii()
        and s[17] in "0123456789X"
        and check_char(s[:17]) == s[17]
    )


def to_id15(id18: str) -> str:
    """The old 15-digit form: region(6) + yymmdd(6) + sequence(3), no check character."""
    return id18[:6] + id18[8:17]


# --- damage rates ----------------------------------------------------------------------------

ID_DAMAGE = ("excel_float", "fullwidth", "spaces", "lower_x", "id15", "bad_check", "apostrophe")

# Per written value. A spreadsheet that stores its whole ID column as numbers is decided per file
# by the table writer (``FILE_FLOAT_RATE``) and passed in as ``as_number=True``; the rate below is
# for single stray numeric cells in otherwise text columns.
_TABLE_RATES = (
    ("excel_float", 0.004),
    ("fullwidth", 0.012),
    ("spaces", 0.025),
    ("id15", 0.008),
    ("bad_check", 0.012),
    ("apostrophe", 0.010),
)
_TEXT_RATES = (
    ("fullwidth", 0.02),
    ("spaces", 0.02),
    ("id15", 0.005),
    ("bad_check", 0.01),
    ("apostrophe", 0.002),
)
LOWER_X_RATE = 0.25  # of IDs ending in X, written with a lower-case x
FILE_FLOAT_RATE = 0.07  # share of spreadsheets whose whole ID column holds numbers

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def id_text(value: str | int | float) -> str:
    """The string the ground truth stores for a written ID value (numbers as integer digits)."""
    if isinstance(value, float):
        return str(int(value))
    return str(value)


def excel_number(id18: str) -> float | None:
    """The number a spreadsheet holds when the ID is typed as a number (15 significant digits),
    or None when it cannot be a number (ends in X)."""
    if not id18.isdigit():
        return None
    return float(int(id18[:15]) * 1000)


def _spaces(s: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return s + " "
    if r < 0.55:
        return " " + s
    if r < 0.75:  # grouped the way people read it aloud: region, birth date, rest
        return f"{s[:6]} {s[6:14]} {s[14:]}"
    if r < 0.9:
        i = rng.randrange(1, len(s))
        return s[:i] + " " + s[i:]
    return s + "\u3000"  # ideographic space, typed with a Chinese input method


def _bad_check(s: str, rng: random.Random) -> str:
    """One mistyped digit or one transposition of two neighbouring different characters.
    MOD 11-2 catches both, so the result never has a valid check character."""
    chars = list(s)
    for _ in range(20):
        if rng.random() < 0.6:
            i = rng.randrange(6, 17)  # mistakes in the birth date / sequence part
            old = chars[i]
            new = rng.choice([d for d in "0123456789" if d != old])
            out = chars[:]
            out[i] = new
        else:
            i = rng.randrange(6, 17)
            if chars[i] == chars[i + 1] or chars[i + 1] == "X":
                continue
            out = chars[:]
            out[i], out[i + 1] = out[i + 1], out[i]
        cand = "".join(out)
        if not is_valid_id(cand):
            return cand
    # Fallback: change the check character itself.
    good = s[17]
    return s[:17] + rng.choice([c for c in "0123456789" if c != good])


def _damage(p: "Person", kind: str, rng: random.Random) -> str | float | None:
    s = p.id_number
    if kind == "excel_float":
        return excel_number(s)
    if kind == "fullwidth":
        return s.translate(_FULLWIDTH)
    if kind == "spaces":
        return _spaces(s, rng)
    if kind == "lower_x":
        return s[:17] + "x" if s.endswith("X") else None
    if kind == "id15":
        # Only people old enough to have held a first-generation card (issued until 2004).
        return to_id15(s) if p.birth_date.year < 1988 else None
    if kind == "bad_check":
        return _bad_check(s, rng)
    if kind == "apostrophe":
        return "'" + s
    raise ValueError(kind)


def written_id(
    p: "Person", rng: random.Random, *, in_table: bool, as_number: bool = False
) -> tuple[str | int | float, list[str]]:
    """The ID value to put in a file, and its damage flags ([] when clean).

    ``as_number=True``: the writer stores this file's ID column as numbers (``excel_float``
    for every ID that can be a number; IDs ending in X stay text, as in Excel).
    """
    s = p.id_number
    if as_number and in_table:
        v = excel_number(s)
        if v is not None:
            return v, ["excel_float"]
    if s.endswith("X") and rng.random() < LOWER_X_RATE:
        return s[:17] + "x", ["lower_x"]
    r = rng.random()
    for kind, rate in _TABLE_RATES if in_table else _TEXT_RATES:
        if r < rate:
            v = _damage(p, kind, rng)
            if v is None:
                break
            return v, [kind]
        r -= rate
    return s, []


# --- names -----------------------------------------------------------------------------------

DOT = "\u00b7"
# (separator, weight): U+00B7 mostly; katakana middle dot, bullet, full-width full stop,
# hyphenation point, ASCII full stop, nothing.
_DOTS = (
    ("\u00b7", 0.86),
    ("\u30fb", 0.03),
    ("\u2022", 0.02),
    ("\uff0e", 0.02),
    ("\u2027", 0.01),
    (".", 0.02),
    ("", 0.04),
)
VARIANT_RATE = 0.08  # per name part: a clerk writes another homophone rendering
SPACE_RATE = 0.02


def _dot(rng: random.Random) -> str:
    r = rng.random()
    for d, w in _DOTS:
        if r < w:
            return d
        r -= w
    return DOT


def split_name(name_zh: str) -> tuple[str, str]:
    """(given, father) parts of a canonical dotted name; ("name", "") for names without a dot."""
    if DOT in name_zh:
        a, b = name_zh.split(DOT, 1)
        return a, b
    return name_zh, ""


def written_name(p: "Person", rng: random.Random, book: "NameBook") -> str:
    """The name as one clerk writes it: dot variants, homophone renderings, stray spaces."""
    given_zh, father_zh = split_name(p.name_zh)
    if father_zh:
        if p.given_latin and rng.random() < VARIANT_RATE:
            given_zh = book.chinese_variant(p.given_latin, rng)
        if p.father_latin and rng.random() < VARIANT_RATE:
            father_zh = book.chinese_variant(p.father_latin, rng)
        dot = _dot(rng)
        name = given_zh + dot + father_zh
    else:
        name = given_zh
        if len(name) == 2 and rng.random() < 0.06:
            # Two-character Han names padded to the width of three in old registers.
            return name[0] + "  " + name[1] if rng.random() < 0.3 else name[0] + " " + name[1]
    if rng.random() < SPACE_RATE:
        r = rng.random()
        if r < 0.5:
            name = name + " "
        elif r < 0.7:
            name = " " + name
        elif father_zh:
            name = name.replace(dot, " " + dot + " ", 1) if dot else given_zh + " " + father_zh
        else:
            name = name + "\u3000"
    return name
