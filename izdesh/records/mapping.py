"""Mapping a table to person records: find the header under title rows, map columns with the
glossary, keep every cell as written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from izdesh.identity.idnumber import IdParse
from izdesh.identity.idnumber import parse as parse_id
from izdesh.ingest.tables import Cell, Sheet, cell_text
from izdesh.records.glossary import find_header_row, map_header
from izdesh.records.values import clean_text, parse_date, parse_sex, place_from_address

# Fields copied as text, as written.
TEXT_FIELDS = (
    "name", "ethnicity", "address", "township", "village", "status", "category", "reason",
    "facility", "building", "cell", "sentence", "phone", "relation",
)  # fmt: skip


@dataclass(slots=True)
class TableReport:
    sheet: str
    header_row: int | None
    columns: list[dict[str, Any]]  # {"index", "header", "field"}
    rows: int


@dataclass(slots=True)
class RecordOut:
    kind: str
    locator: dict[str, Any]
    raw: dict[str, str]
    fields: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def id_fields(value: Cell | str) -> tuple[dict[str, Any], list[str]]:
    """Record columns for a written ID number, and quality flags."""
    return id_fields_from(parse_id(value))  # type: ignore[arg-type]


def id_fields_from(p: IdParse) -> tuple[dict[str, Any], list[str]]:
    """Record columns for a parsed ID number, and quality flags."""
    out: dict[str, Any] = {
        "id_number": p.normalized if p.kind in ("full", "id15") else None,
        "id_pattern": p.pattern if p.kind == "partial" else None,
        "id_valid": 1 if p.valid else 0,
    }
    flags = list(p.flags)
    if not p.valid and p.reason:
        flags.append("id_invalid")
    return out, flags


def map_sheet(sheet: Sheet, text_rows: list[list[str]] | None = None) -> tuple[TableReport, list[RecordOut]]:
    """The sheet's records and a report of how its columns were mapped. ``text_rows``: the cells
    as text (``cell_text``), when the caller has them already."""
    if text_rows is None:
        text_rows = [[cell_text(c) for c in row] for row in sheet.rows]
    header_at = find_header_row(text_rows)
    if header_at is None:
        return TableReport(sheet.name, None, [], len(sheet.rows)), []
    header = text_rows[header_at]
    keys = map_header(header)
    columns = [
        {"index": i, "header": h, "field": k} for i, (h, k) in enumerate(zip(header, keys, strict=True))
    ]
    col_of = {k: i for i, k in enumerate(keys) if k is not None}
    labels = [h.strip() or f"#{i + 1}" for i, h in enumerate(header)]
    out: list[RecordOut] = []
    for r in range(header_at + 1, len(sheet.rows)):
        cells, texts = sheet.rows[r], text_rows[r]
        name_i, id_i = col_of.get("name"), col_of.get("id_number")
        name = texts[name_i].strip() if name_i is not None and name_i < len(texts) else ""
        id_cell = cells[id_i] if id_i is not None and id_i < len(cells) else None
        if not name and cell_text(id_cell).strip() == "":
            continue  # blank rows, or a total/footer row with neither name nor ID
        rec = RecordOut(
            kind="table",
            locator={"sheet": sheet.name, "row": r, "name_col": name_i, "id_col": id_i},
            raw={labels[i]: t for i, t in enumerate(texts) if i < len(labels) and t != ""},
        )
        for key in TEXT_FIELDS:
            i = col_of.get(key)
            if i is not None and i < len(texts):
                rec.fields[key] = clean_text(texts[i])
        if rec.fields.get("address") and not (rec.fields.get("township") and rec.fields.get("village")):
            township, village = place_from_address(rec.fields["address"])
            if township and not rec.fields.get("township"):
                rec.fields["township"] = township
                rec.flags.append("township_from_address")
            if village and not rec.fields.get("village"):
                rec.fields["village"] = village
                rec.flags.append("village_from_address")
        if id_cell is not None and cell_text(id_cell).strip():
            rec.fields["id_raw"] = cell_text(id_cell)
            more, flags = id_fields(id_cell)
            rec.fields.update(more)
            rec.flags.extend(flags)
        for key in ("birth_date", "event_date"):
            i = col_of.get(key)
            if i is not None and i < len(cells):
                rec.fields[key] = parse_date(cells[i])
        if (i := col_of.get("sex")) is not None and i < len(texts):
            rec.fields["sex"] = parse_sex(texts[i])
        if (i := col_of.get("relative_of")) is not None and i < len(cells):
            rel, _ = id_fields(cells[i])
            rec.fields["relative_of"] = rel["id_number"]
        out.append(rec)
    report = TableReport(sheet.name, header_at, columns, len(sheet.rows))
    return report, out
