"""The store's schema, declared once with SQLAlchemy Core so SQLite and PostgreSQL share it.

Tables follow the data model in DESIGN.md: every input file has one `source_file` row; a `record`
is one mention of a person with its provenance; a `person` groups records; `link` holds
person-person relations and why they were made.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    column,
    text,
)
from sqlalchemy.dialects.postgresql import to_tsvector

SCHEMA_VERSION = 1

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

source_file = Table(
    "source_file",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),  # relative to the ingested root; archive members "a.zip!x/y"
    Column("sha256", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("type", String(32), nullable=False),  # detected by content: xlsx, xls, csv, docx, pdf, jpeg, ...
    Column("status", String(16), nullable=False),  # ok, partial, unsupported, encrypted, corrupt, empty, duplicate
    Column("reason", Text),
    Column("meta", JSON),  # EXIF, document properties, table mapping reports
    Column("records", Integer, nullable=False, default=0),
)

source_table = Table(
    "source_table",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("source_file.id"), nullable=False, index=True),
    Column("sheet", Text, nullable=False),
    Column("header_row", Integer),  # 0-based row index in the sheet, None when no header was found
    Column("columns", JSON, nullable=False),  # [{"index", "header", "field" or None}]
    Column("rows", Integer, nullable=False),
)

person = Table(
    "person",
    metadata,
    Column("id", String(16), primary_key=True),  # opaque: never the ID number (it goes in URLs)
    Column("id_number", String(18), unique=True),
    Column("name", Text),  # the name as the sources most often write it
    Column("sex", String(8)),
    Column("birth_date", Date),
    Column("region_code", String(6)),
    Column("township", Text),
    Column("village", Text),
    Column("latest_status", Text),  # canonical status key (records/data/terms.toml), e.g. "re_education"
    Column("records", Integer, nullable=False, default=0),
    # How the person was formed: "id" (a valid ID number), "bad_id" (records with a mistyped number
    # no person matched), "id_pattern" (a number that lost digits in a spreadsheet), "name" (no ID).
    Column("basis", String(16)),
    Column("latest_status_date", Date),  # the date the latest status is known for
)

record = Table(
    "record",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("source_file.id"), nullable=False, index=True),
    Column("table_id", ForeignKey("source_table.id")),
    Column("kind", String(8), nullable=False),  # table, text, ocr, photo
    Column("locator", JSON, nullable=False),  # {"sheet", "row", "col"} | {"page", "start", "end"} | {}
    Column("raw", JSON, nullable=False),  # cells exactly as written: {header: text}
    # The person's id (person.id), not a foreign key: written with the record when its ID number is
    # valid, before the persons are rebuilt (migration b4e7d2a91c08); the integrity check verifies it.
    Column("person_id", String(16), index=True),
    Column("name", Text),
    Column("id_raw", Text),
    Column("id_number", String(18), index=True),  # normalised 18 characters when it parsed fully
    Column("id_pattern", String(18)),  # partial IDs (Excel precision loss): digits and '?'
    Column("id_valid", Integer),  # 1 valid, 0 invalid, NULL no ID
    Column("sex", String(8)),
    Column("ethnicity", Text),
    Column("birth_date", Date),
    Column("address", Text),
    Column("township", Text),
    Column("village", Text),
    Column("status", Text),
    Column("category", Text),
    Column("reason", Text),
    Column("facility", Text),
    Column("building", Text),
    Column("cell", Text),
    Column("event_date", Date),
    Column("sentence", Text),
    Column("phone", Text),
    Column("relation", Text),
    Column("relative_of", String(18)),  # ID number of the person this row is a relative of
    Column("text", Text),  # the sentence around a mention in running text
    Column("flags", JSON),
)
Index("ix_record_id_pattern", record.c.id_pattern)

link = Table(
    "link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # relative, co_listed, possibly_same
    # relative/co_listed: one row per direction; relation = what dst is to src ("father": dst is
    # src's father). possibly_same: src is a person formed without a usable ID, dst a candidate.
    Column("src", ForeignKey("person.id"), nullable=False, index=True),
    Column("dst", ForeignKey("person.id"), nullable=False, index=True),
    Column("relation", Text),
    Column("record_id", ForeignKey("record.id")),
    Column("score", Float),
    Column("why", Text, nullable=False),
)

# Why each record that is not simply "the same valid ID" belongs to its person (kind "same" or
# "own"), and reviewable record -> person candidates (kind "possibly_same"). person_id holds the
# person's opaque id; record.person_id is set from the "same"/"own" rows.
record_link = Table(
    "record_link",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", ForeignKey("record.id"), nullable=False, index=True),
    Column("person_id", ForeignKey("person.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # same, own, possibly_same
    Column("method", String(16), nullable=False),  # id_typo, id_pattern, name_model, alone
    Column("score", Float, nullable=False),
    Column("why", Text, nullable=False),
)

photo = Table(
    "photo",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("source_file.id"), nullable=False, unique=True),
    Column("person_id", ForeignKey("person.id"), index=True),
    Column("record_id", ForeignKey("record.id")),
    Column("taken_at", Text),  # from the file name, ISO
    Column("exif", JSON),
)

# Search index: cross-script phonetic keys of every name a person is written with (names.keys).
name_key = Table(
    "name_key",
    metadata,
    Column("key", String(64), nullable=False),
    Column("person_id", ForeignKey("person.id"), nullable=False),
    Column("name", Text, nullable=False),  # the Chinese-character name the key came from
)
# (key, name): a key's distinct names are read in index order and stopped at a cap (search.engine),
# without a visit to the table for each of a common key's rows.
Index("ix_name_key_key_name", name_key.c.key, name_key.c.name)
Index("ix_name_key_name", name_key.c.name)
Index("ix_name_key_person", name_key.c.person_id)  # deleting or rekeying a person reads its keys

# Ingest work claims: several workers (processes or machines) share one store without reading a
# file twice; a claim older than the timeout belongs to a dead worker and may be taken over.
claim = Table(
    "claim",
    metadata,
    Column("path", Text, primary_key=True),
    Column("worker", String(64), nullable=False),
    Column("at", Float, nullable=False),  # unix time the claim was taken
)

# Full-text search over documents and table cells (izdesh.docs). One row per unit of text with its
# place in the file: kind paragraph | cell (one table row, cells joined) | page | slide | ocr;
# locator like record locators ({"paragraph": k}, {"sheet", "row"}, {"page", "line"}, {"slide"}).
# `tokens`: the indexed token string (character bigrams of Chinese runs, lower-cased words, then
# the single Chinese characters; empty on SQLite, where only the FTS5 index keeps them), indexed by
# an FTS5 table on SQLite (text_block_fts, created by izdesh.docs.index.ensure_index) and a GIN
# index on to_tsvector('simple', tokens) on PostgreSQL (migration 5a3f0c2d8e41).
text_block = Table(
    "text_block",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("source_file.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("locator", JSON, nullable=False),
    Column("text", Text, nullable=False),
    Column("tokens", Text, nullable=False),
    Index(
        "ix_text_block_tsv", to_tsvector(text("'simple'"), column("tokens")), postgresql_using="gin"
    ).ddl_if(dialect="postgresql"),
)

# One row per file with text blocks: its date (document metadata, else the path) for the date
# filter, and whether no person record was extracted from it (an operator may open such files to
# the public; the switch itself is elsewhere).
document = Table(
    "document",
    metadata,
    Column("file_id", ForeignKey("source_file.id"), primary_key=True),
    Column("date", String(10)),  # YYYY-MM-DD, YYYY-MM or YYYY; NULL when unknown
    Column("blocks", Integer, nullable=False),
    Column("no_person_records", Integer, nullable=False),  # 1: no person record came from this file
)
Index("ix_document_date", document.c.date)

# Entities found in document text: phone numbers, police officers (rank, unit, badge number),
# townships, villages, facilities. value: the normalised entity; extra: {"unit", "post", "rank", ...}.
doc_entity = Table(
    "doc_entity",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_id", ForeignKey("source_file.id"), nullable=False, index=True),
    Column("block_id", ForeignKey("text_block.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # phone, officer, badge, township, village, facility
    Column("value", Text, nullable=False),
    Column("extra", JSON),
)
Index("ix_doc_entity_kind_value", doc_entity.c.kind, doc_entity.c.value)
