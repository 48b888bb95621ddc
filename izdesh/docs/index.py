"""Indexing document text for full-text search, on SQLite and PostgreSQL alike.

Chinese has no spaces between words and the words that matter are often two characters long
(开枪, 快牙, 教培): a trigram index cannot find them. Every block of text is turned into one token
string: each Chinese character is a token, words of other scripts (Latin, digits, Uyghur) are
tokens, and where punctuation or space stands between two Chinese characters a BREAK token is put
(so 开，枪 is not the word 开枪). A query is tokenised the same way and matched as a phrase: a word
of any length matches exactly where it stands in the text. No dictionary, so no word is missed by
segmentation. The token string is made by two regular expressions and one str.translate, all in
C (a per-token loop in Python cost three times as much), one token per character (character
bigrams beside a list of the single characters took about two).

SQLite: two contentless FTS5 tables (tokenize unicode61: our tokens are space-separated runs of
word characters, so it keeps them whole): `text_block_fts` with rowid = text_block.id, to find the
places in a file, and `document_fts` with rowid = source_file.id, one row per file holding all its
blocks (a BREAK between two blocks), to find and rank files without touching each of the up to
hundreds of thousands of matching table rows. A file's blocks have consecutive ids on SQLite
(written under the write lock), so the places in one file are a rowid range of text_block_fts.
PostgreSQL: a GIN index on to_tsvector('simple', tokens) (the 'simple' configuration keeps tokens
as they are; in the C locale every non-ASCII character is a word character).
Both are written in the same transaction as the file's row (izdesh.ingest.pipeline._write);
rebuild_index makes them again from the stored text (after a change of the token scheme).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import Column, Integer, MetaData, Table, Text, select, text
from sqlalchemy.engine import Connection, Engine

from izdesh.store import schema
from izdesh.store.bulk import insert_rows

_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
CJK = "".join(f"{chr(a)}-{chr(b)}" for a, b in _CJK_RANGES)
BREAK = "x0br"  # stands for punctuation or space between two Chinese characters
_GAP = re.compile(rf"(?<=[{CJK}])[\W_]+(?=[{CJK}])")
_SEP = re.compile(r"[\W_]+")
_SPACED = {c: f" {chr(c)} " for a, b in _CJK_RANGES for c in range(a, b + 1)}  # str.translate table
MAX_BLOCK = 4000  # characters a block is indexed in (PostgreSQL keeps positions below 16,384)
OVERLAP = 40  # characters repeated between the pieces of a long block, so phrases across them match


def normalize(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def tokens_of(s: str) -> str:
    """The indexed token string of a text: space-separated tokens (see the module's docstring)."""
    s = _GAP.sub(f" {BREAK} ", normalize(s))
    return _SEP.sub(" ", s).translate(_SPACED)


def query_tokens(s: str) -> list[str]:
    """The tokens a query word or phrase must match in this order, adjacent (no BREAK at its ends)."""
    toks = tokens_of(s).split()
    while toks and toks[0] == BREAK:
        toks.pop(0)
    while toks and toks[-1] == BREAK:
        toks.pop()
    return toks


def pieces(text_: str) -> list[str]:
    """A long block in pieces of at most MAX_BLOCK characters that overlap a little."""
    if len(text_) <= MAX_BLOCK:
        return [text_]
    step = MAX_BLOCK - OVERLAP
    return [text_[i : i + MAX_BLOCK] for i in range(0, len(text_) - OVERLAP, step)]


# --- the index tables --------------------------------------------------------------------------

_ready: set[str] = set()
_FTS5 = "USING fts5(tokens, content='', tokenize='unicode61 remove_diacritics 0')"


def ensure_index(conn: Connection) -> None:
    """Create SQLite's full-text tables if they are missing (once per process and store). A store
    indexed by an older version (text_block_fts without document_fts) is indexed again here, so
    that an ingest resumed on it leaves one index of one kind. PostgreSQL's GIN index is part of
    the schema (migration 5a3f0c2d8e41): made here, in a write transaction, it deadlocked two
    workers starting together."""
    key = str(conn.engine.url)
    if key in _ready or conn.dialect.name != "sqlite":
        return
    names = {n for (n,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name LIKE '%_fts'")}
    if "text_block_fts" in names and "document_fts" not in names:
        _fill_sqlite(conn)
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS text_block_fts {_FTS5}")
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS document_fts {_FTS5}")
    _ready.add(key)


def document_tokens(block_tokens: list[str]) -> str:
    """A file's row of document_fts: its blocks' tokens, a BREAK between two blocks."""
    return f" {BREAK} ".join(block_tokens)


def _fill_sqlite(conn: Connection) -> int:
    """Drop the SQLite index tables and make them again from the stored text (in the caller's
    transaction); returns the number of blocks."""
    for name in ("text_block_fts", "document_fts"):
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
        conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {name} {_FTS5}")
    raw = conn.connection.driver_connection  # plain DB-API: a million rows
    assert raw is not None
    n = 0
    rows = raw.execute("SELECT file_id, id, text FROM text_block ORDER BY file_id, id")
    for fid, group in groupby(rows, key=lambda r: r[0]):
        toks = [(i, tokens_of(t)) for _, i, t in group]
        raw.executemany("INSERT INTO text_block_fts(rowid, tokens) VALUES (?, ?)", toks)
        raw.execute("INSERT INTO document_fts(rowid, tokens) VALUES (?, ?)", (fid, document_tokens([t for _, t in toks])))
        n += len(toks)
    return n


def rebuild_index(engine: Engine, batch: int = 50_000) -> int:
    """Make the full-text index again from the stored text of every block (one transaction);
    returns the number of blocks."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            n = _fill_sqlite(conn)
            _ready.add(str(conn.engine.url))
            return n
        n = 0
        tb = schema.text_block
        last = 0
        while True:
            rows = conn.execute(select(tb.c.id, tb.c.text).where(tb.c.id > last).order_by(tb.c.id).limit(batch)).all()
            if not rows:
                break
            conn.execute(text("UPDATE text_block SET tokens = :t WHERE id = :i"),
                         [{"i": i, "t": tokens_of(t)} for i, t in rows])  # fmt: skip
            n += len(rows)
            last = rows[-1][0]
    return n


# --- dates and the public flag -----------------------------------------------------------------

_PATH_DATE = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?:[-._年]?(0[1-9]|1[0-2])(?:[-._月]?(0[1-9]|[12][0-9]|3[01]))?)?(?![0-9])")


def document_date(path: str, meta: dict[str, Any] | None) -> str | None:
    """The document's date: its own metadata (created, else modified), else a date in its path."""
    for key in ("created", "modified", "date"):
        v = (meta or {}).get(key)
        if isinstance(v, str) and re.match(r"(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}", v):
            return v[:10]
    m = None
    for m in _PATH_DATE.finditer(path):
        pass  # the last date in the path: the file name's own, rather than a folder's
    if m is None:
        return None
    y, mo, d = m.groups()
    if mo and d:
        try:
            return date(int(y), int(mo), int(d)).isoformat()
        except ValueError:
            return f"{y}-{mo}"
    return f"{y}-{mo}" if mo else y


# A stored unit of text, made by the reader (izdesh.ingest.extract.FileResult.prepare), whose CPU
# is to spare, rather than by the writer, the ingest's critical path: (kind, locator as JSON text,
# text, tokens, entities). Plain tuples: a million of them cross the readers' pipes.
Piece = tuple[str, str, str, str, list[tuple[str, str, dict[str, Any]]]]

# text_block with its JSON locator seen as text: the bulk insert passes the reader's JSON through.
_TEXT_BLOCK_AS_TEXT = Table(
    schema.text_block.name,
    MetaData(),
    Column("file_id", Integer),
    Column("kind", Text),
    Column("locator", Text),
    Column("text", Text),
    Column("tokens", Text),
)


def text_pieces(blocks: list[dict[str, Any]]) -> list[Piece]:
    """A file's blocks as stored: long ones cut in pieces, each with its index tokens and the
    entities in it (none for a row of a table of persons: its phones and places are in its
    records)."""
    from izdesh.docs.entities import entities_in

    out: list[Piece] = []
    for b in blocks:
        loc = json.dumps(b["locator"], ensure_ascii=False)
        for p in pieces(b["text"]):
            out.append((b["kind"], loc, p, tokens_of(p), [] if b.get("people_table") else entities_in(p)))
    return out


def write_text(conn: Connection, file_id: int, res: Any) -> None:
    """Store and index one file's text pieces (``res.pieces``), their entities and the file's
    document row (the caller's transaction: the file and its text land together)."""
    rows: list[Piece] = getattr(res, "pieces", None) or []
    if not rows or res.status in ("duplicate", "empty"):
        return
    ensure_index(conn)
    tb = schema.text_block
    if conn.dialect.name == "sqlite":
        # The write lock is held (BEGIN IMMEDIATE): ids can be given, no read back; plain DB-API
        # inserts, as a table of persons may give a hundred thousand rows.
        first = (conn.exec_driver_sql("SELECT max(id) FROM text_block").scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        conn.exec_driver_sql(
            "INSERT INTO text_block(id, file_id, kind, locator, text, tokens) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, file_id, kind, loc, txt, "")
             for i, (kind, loc, txt, _t, _e) in zip(ids, rows)],  # the tokens live in the FTS5 index only
        )  # fmt: skip
        conn.exec_driver_sql("INSERT INTO text_block_fts(rowid, tokens) VALUES (?, ?)",
                             [(i, r[3]) for i, r in zip(ids, rows)])  # fmt: skip
        conn.exec_driver_sql("INSERT INTO document_fts(rowid, tokens) VALUES (?, ?)",
                             (file_id, document_tokens([r[3] for r in rows])))  # fmt: skip
    else:
        insert_rows(conn, _TEXT_BLOCK_AS_TEXT, ("file_id", "kind", "locator", "text", "tokens"),
                    ((file_id, kind, loc, txt, toks) for kind, loc, txt, toks, _e in rows))  # COPY
        ids = list(conn.execute(select(tb.c.id).where(tb.c.file_id == file_id).order_by(tb.c.id)).scalars())
    ents = [(file_id, i, kind, value, extra or None) for i, r in zip(ids, rows) for kind, value, extra in r[4]]
    if ents:
        insert_rows(conn, schema.doc_entity, ("file_id", "block_id", "kind", "value", "extra"), ents)
    conn.execute(
        schema.document.insert().values(
            file_id=file_id,
            date=document_date(res.path, res.meta),
            blocks=len(rows),
            no_person_records=0 if res.records else 1,
        )
    )


def count_blocks(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM text_block")).scalar_one()
