"""Indexing document text for full-text search, on SQLite and PostgreSQL alike.

Chinese has no spaces between words and the words that matter are often two characters long
(开枪, 快牙, 教培): a trigram index cannot find them. Every block of text is turned into one token
string: the overlapping character bigrams of each run of Chinese characters (a run of one
character is kept as it is), lower-cased words of other scripts (Latin, digits, Uyghur), then a
separator and each distinct Chinese character once. A word of two or more characters is the
phrase of its bigrams, which matches exactly where the word stands in the text; a single character
is found through the character list. No dictionary, so no word is missed by segmentation.

SQLite: a contentless FTS5 table `text_block_fts(tokens)` (tokenize unicode61: our tokens are
space-separated runs of word characters, so it keeps them whole), rowid = text_block.id.
PostgreSQL: a GIN index on to_tsvector('simple', tokens) (the 'simple' configuration keeps tokens
as they are; in the C locale every non-ASCII character is a word character).
Both are written in the same transaction as the file's row (izdesh.ingest.pipeline._write).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from izdesh.store import schema

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(rf"([{CJK}]+)|((?:(?![{CJK}])[^\W_])+)")
SEPARATOR = "x0sep"  # between the positional tokens and the character list
MAX_BLOCK = 4000  # characters a block is indexed in (PostgreSQL keeps positions below 16,384)
OVERLAP = 40  # characters repeated between the pieces of a long block, so phrases across them match


def normalize(s: str) -> str:
    return unicodedata.normalize("NFKC", s).lower()


def runs(s: str) -> list[tuple[bool, str]]:
    """(is Chinese, text) for each run of word characters, normalised."""
    return [(bool(m.group(1)), m.group(0)) for m in _TOKEN.finditer(normalize(s))]


def run_tokens(is_cjk: bool, run: str) -> list[str]:
    if not is_cjk or len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens_of(s: str) -> str:
    """The indexed token string of a text."""
    out: list[str] = []
    chars: set[str] = set()
    for m in _TOKEN.finditer(normalize(s)):
        run = m.group(0)
        if m.group(1):
            chars.update(run)
            if len(run) > 1:
                out.extend(map(str.__add__, run, run[1:]))
                continue
        out.append(run)
    if chars:
        out.append(SEPARATOR)
        out.extend(sorted(chars))
    return " ".join(out)


def pieces(text_: str) -> list[str]:
    """A long block in pieces of at most MAX_BLOCK characters that overlap a little."""
    if len(text_) <= MAX_BLOCK:
        return [text_]
    step = MAX_BLOCK - OVERLAP
    return [text_[i : i + MAX_BLOCK] for i in range(0, len(text_) - OVERLAP, step)]


# --- the index tables --------------------------------------------------------------------------

_ready: set[str] = set()


def ensure_index(conn: Connection) -> None:
    """Create the engine's full-text index if it is missing (once per process and store)."""
    key = str(conn.engine.url)
    if key in _ready:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE IF NOT EXISTS text_block_fts USING fts5(tokens, content='', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
    elif not conn.exec_driver_sql("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_text_block_tsv'").first():
        # Looked up first: CREATE INDEX takes a lock on the table even when the index exists.
        conn.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS ix_text_block_tsv ON text_block USING gin (to_tsvector('simple', tokens))"
        )
    _ready.add(key)


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


def write_text(conn: Connection, file_id: int, res: Any) -> None:
    """Store and index one file's text blocks, its entities and its document row (the caller's
    transaction: the file and its text land together)."""
    blocks = getattr(res, "blocks", None) or []
    if not blocks or res.status in ("duplicate", "empty"):
        return
    from izdesh.docs.entities import entities_in

    ensure_index(conn)
    rows = []
    for b in blocks:
        for piece in pieces(b["text"]):
            rows.append({"file_id": file_id, "kind": b["kind"], "locator": b["locator"], "text": piece,
                         "tokens": tokens_of(piece)})  # fmt: skip
    tb = schema.text_block
    if conn.dialect.name == "sqlite":
        # The write lock is held (BEGIN IMMEDIATE): ids can be given, no read back; plain DB-API
        # inserts, as a table of persons may give a hundred thousand rows.
        first = (conn.exec_driver_sql("SELECT max(id) FROM text_block").scalar() or 0) + 1
        ids = [(first + k, r["tokens"], r["text"]) for k, r in enumerate(rows)]
        conn.exec_driver_sql(
            "INSERT INTO text_block(id, file_id, kind, locator, text, tokens) VALUES (?, ?, ?, ?, ?, ?)",
            [(first + k, file_id, r["kind"], json.dumps(r["locator"], ensure_ascii=False), r["text"], "")
             for k, r in enumerate(rows)],  # the tokens live in the FTS5 index only
        )  # fmt: skip
        conn.exec_driver_sql("INSERT INTO text_block_fts(rowid, tokens) VALUES (?, ?)", [(i, t) for i, t, _ in ids])
    else:
        conn.execute(tb.insert(), rows)
        ids = [tuple(r) for r in conn.execute(
            select(tb.c.id, tb.c.tokens, tb.c.text).where(tb.c.file_id == file_id).order_by(tb.c.id))]  # fmt: skip
    ents = []
    skip = {k for k, b in enumerate(b for b in blocks for _ in pieces(b["text"])) if b.get("people_table")}
    for k, (i, _t, txt) in enumerate(ids):
        if k in skip:  # a row of a table of persons: its phones and places are in its records
            continue
        for kind, value, extra in entities_in(txt):
            ents.append({"file_id": file_id, "block_id": i, "kind": kind, "value": value, "extra": extra or None})
    if ents:
        conn.execute(schema.doc_entity.insert(), ents)
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
