"""Reading tables: spreadsheets through python-calamine, delimited text with encoding detection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from python_calamine import CalamineWorkbook

from izdesh.ingest.errors import FileError

Cell = str | int | float | bool | date | datetime | time | timedelta | None


@dataclass(slots=True)
class Sheet:
    name: str
    rows: list[list[Cell]]


def _open_workbook(path: Path) -> CalamineWorkbook:
    # From the bytes first: calamine then picks the format from content, so an .xlsx saved under
    # .xls (common in leaks) still opens. Its content sniffing does not know encrypted .xls, which
    # the extension-based open reports as password protected: that message wins if it says so.
    try:
        with path.open("rb") as fh:
            return CalamineWorkbook.from_filelike(fh)
    except Exception as by_content:
        try:
            return CalamineWorkbook.from_path(str(path))
        except Exception as by_name:
            said = str(by_name).lower()
            raise (by_name if "password" in said or "encrypt" in said else by_content) from None


def read_spreadsheet(path: Path) -> Iterator[Sheet]:
    """xlsx, xlsm, xls, ods: every sheet, cells as calamine types them (numbers stay numbers so a
    precision-lost ID can be recognised as such)."""
    try:
        wb = _open_workbook(path)
    except Exception as exc:  # calamine raises its own error types per format
        msg = str(exc) or type(exc).__name__
        status = "encrypted" if "encrypt" in msg.lower() or "password" in msg.lower() else "corrupt"
        raise FileError(status, f"spreadsheet does not open: {msg}") from exc
    for name in wb.sheet_names:
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise FileError("corrupt", f"sheet {name!r} does not read: {exc}") from exc
        yield Sheet(name, rows)


# Encodings real exports use, in the order to try; GB18030 is a superset of GBK and GB2312.
_ENCODINGS = ("utf-8", "gb18030")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with: BOMs first, then UTF-8, then GB18030, then a guess."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            # errors="replace": a UTF-16 file cut at an odd byte (found by fuzzing) keeps its text
            return data.decode(enc, errors="replace"), enc
    for enc in _ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise FileError("corrupt", "text in no known encoding")
    return str(best), best.encoding


def read_delimited(path: Path) -> Iterator[Sheet]:
    text, _enc = decode_text(path.read_bytes())
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    rows: list[list[Cell]] = [list(r) for r in csv.reader(io.StringIO(text, newline=""), dialect)]
    yield Sheet("", rows)


def cell_text(value: Cell) -> str:
    """A cell as text, the way a reader of the sheet sees it; floats keep their exact repr so a
    precision-lost ID number stays recognisable."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
