"""Records as rows ready for the store, made in the readers.

The single writer is an ingest's critical path; serialising a million records' JSON columns and
dates there (SQLAlchemy's bind processing) cost it about a quarter of its time. The readers, which
have CPU to spare, turn each record into a tuple of plain values here instead, and the pickled
tuples are also cheaper for the writer to receive than record objects with their dicts.

The values are exactly what the column types' bind processing would produce on both engines:
JSON as `json.dumps` with its defaults (a None is JSON null), dates as ISO text (SQLite stores
that text; PostgreSQL's COPY parses it). `RECORD_AS_TEXT` is the record table seen with those
columns as plain text, so the bulk insert passes the values through untouched.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text

from izdesh.identity.persons import person_key
from izdesh.records.mapping import RecordOut
from izdesh.store import schema

# Record columns a reader fills, in row order (the writer puts file_id and table_id before them).
FIELDS: tuple[str, ...] = tuple(
    sorted({c.name for c in schema.record.c} - {"id", "file_id", "table_id", "person_id", "kind", "locator", "raw", "flags"})
)
COLUMNS: tuple[str, ...] = ("kind", "locator", "raw", "flags", *FIELDS)
_DATES = frozenset(c.name for c in schema.record.c if c.name in FIELDS and c.type.python_type is date)

RECORD_AS_TEXT = Table(
    schema.record.name,
    MetaData(),
    Column("file_id", Integer),
    Column("table_id", Integer),
    Column("person_id", Text),
    *(Column(c, Text) for c in COLUMNS),
)
_ID_NUMBER, _ID_VALID = COLUMNS.index("id_number"), COLUMNS.index("id_valid")

# A row: (sheet, values in COLUMNS order). `sheet` names the table a table record came from (its
# table_id is known only to the writer), else None.
Row = tuple[str | None, tuple[Any, ...]]


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def record_row(rec: RecordOut) -> Row:
    f = rec.fields
    values = (
        rec.kind,
        json.dumps(rec.locator),
        json.dumps(rec.raw),
        json.dumps(rec.flags) if rec.flags else "null",  # most records: no flags
        *((_iso(f.get(k)) if k in _DATES else f.get(k)) for k in FIELDS),
    )
    return (rec.locator.get("sheet", "") if rec.kind == "table" else None), values


def record_rows(records: list[RecordOut]) -> list[Row]:
    return [record_row(r) for r in records]


def person_of(values: tuple[Any, ...], secret: str) -> str | None:
    """The person a row belongs to when its ID number is valid: one number, one person, whose id
    is a function of the number. Written with the record, so the rebuild of persons need not
    rewrite a million records afterwards (others get theirs from the rebuild)."""
    number = values[_ID_NUMBER]
    return person_key(secret, number) if number and values[_ID_VALID] == 1 else None
