"""Reading field values as records write them: dates in many forms, sex words, names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*(?:[-./月]\s*(\d{1,2}))?")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value: object) -> date | None:
    """1990-01-01, 1990.1.1, 1990/01/01, 1990年1月1日, 19900101, 1990年1月 (day 1), Excel dates."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    m = _COMPACT.match(text) or _DATE.search(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        return date(y, mo, d)
    except ValueError:
        return None


_SEX = {"男": "male", "女": "female", "m": "male", "f": "female", "male": "male", "female": "female"}


def parse_sex(value: object) -> str | None:
    text = str(value or "").strip().lower()
    return _SEX.get(text) or _SEX.get(text[:1])


def clean_text(value: object) -> str | None:
    text = str(value or "").strip()
    return text or None


# A household address reads county, township, village, group, number: 疏附县托克扎克镇喀拉托喀依村6组171号.
# Written by hand: address parsers for China (cpca and the like) stop at the county, and the suffixes
# that end a township (镇, 乡, 街道) or a village (村, 社区) are the whole rule.
_COUNTY = re.compile(r"^.*[县市区](?=[^县市区]*(?:镇|乡|街道))")  # up to the last county or city
_PLACE = re.compile(r"^(?P<township>[\u4e00-\u9fff]{1,14}?(?:镇|乡|街道))(?P<village>[\u4e00-\u9fff\d]{1,14}?(?:村|社区))?")


def place_from_address(address: object) -> tuple[str | None, str | None]:
    """(township, village) named in an address, or None where the address does not name one."""
    m = _PLACE.match(_COUNTY.sub("", clean_text(address) or "", count=1))
    if not m:
        return None, None
    return m.group("township"), m.group("village")
