"""Full-text queries over document text: parsing, ranked matching on either engine, snippets with
the matched words marked, entity facets and glossary help.

Query syntax: words (AND by default), "a phrase", OR between two words, NOT word or -word.
Each word is matched as the phrase of its tokens (see izdesh.docs.index), so a two-character word
like 开枪 is found wherever it is written. AND and NOT hold over a file: a file matches when each
word (or one of an OR) is somewhere in it and no NOT word is; its places are the blocks holding a
word looked for.

Ranking, one result per file. SQLite: files by FTS5 bm25 over document_fts (a file's text as one
document): the work grows with the matching files, not with the matching table rows; then, for the files
shown only, the number of places in the file and the first place holding every word (else any)
for the snippet. PostgreSQL: files by the best ts_rank of their blocks, the same place shown, in
one query.
"""

from __future__ import annotations

import heapq
import html
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any

from sqlalchemy import Engine, func, select, text

from izdesh.docs.index import CJK, normalize, query_tokens
from izdesh.store import schema


class DocsQueryError(ValueError):
    """The query cannot be run (nothing to find, only negations...)."""


@dataclass
class Term:
    tokens: list[str]  # indexed tokens, matched as a phrase
    pieces: list[str]  # the normalised runs, to mark the match in the text
    negated: bool = False


@dataclass
class Query:
    groups: list[list[Term]] = field(default_factory=list)  # AND of ORs
    negated: list[Term] = field(default_factory=list)

    def positive(self) -> list[Term]:
        return [t for g in self.groups for t in g]


_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_CJK_GAP = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


_RUN = re.compile(rf"[{CJK}]+|(?:(?![{CJK}])[^\W_])+")


def _term(s: str, negated: bool = False) -> Term | None:
    toks = query_tokens(s)
    if not toks:
        return None
    return Term(toks, _RUN.findall(normalize(s)), negated)


def parse(q: str) -> Query:
    """Words AND, "phrases", OR, NOT / -word. Raises DocsQueryError when nothing positive is left."""
    q = q.replace("“", '"').replace("”", '"').replace("＂", '"')
    out = Query()
    pending_or = False
    pending_not = False
    for m in _PART.finditer(q):
        minus, phrase, word = m.group(1), m.group(2), m.group(3)
        if word is not None:
            if word in ("OR", "|", "或"):
                pending_or = bool(out.groups)
                continue
            if word in ("AND", "&", "和"):
                continue
            if word in ("NOT", "非"):
                pending_not = True
                continue
            neg = pending_not or (word.startswith("-") and len(word) > 1)
            t = _term(word.lstrip("-") if word.startswith("-") else word, neg)
        else:
            neg = pending_not or minus == "-"
            t = _term(_CJK_GAP.sub("", phrase), neg)
        pending_not = False
        if t is None:
            continue
        if t.negated:
            out.negated.append(t)
            pending_or = False
        elif pending_or:
            out.groups[-1].append(t)
            pending_or = False
        else:
            out.groups.append([t])
    if not out.groups:
        raise DocsQueryError("the query has no word to look for" if not out.negated else "a query needs a word to find, not only words to leave out")
    return out


# --- matching ----------------------------------------------------------------------------------


@dataclass
class Filters:
    type: str | None = None  # source_file.type, e.g. docx; several separated by commas
    folder: str | None = None  # path prefix
    date_from: str | None = None  # YYYY[-MM[-DD]]
    date_to: str | None = None
    public_only: bool = False  # only files that hold no person records


def _where(f: Filters, params: dict[str, Any]) -> str:
    sql = ""
    if f.type:
        types = [t.strip().lower() for t in f.type.split(",") if t.strip()]
        names = []
        for i, t in enumerate(types):
            params[f"t{i}"] = t
            names.append(f":t{i}")
        sql += f" AND sf.type IN ({', '.join(names)})"
    if f.folder:
        folder = f.folder.strip("/")
        params["folder"] = folder.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
        params["folder_eq"] = folder
        sql += " AND (sf.path LIKE :folder ESCAPE '\\' OR sf.path = :folder_eq)"
    if f.date_from:
        params["dfrom"] = f.date_from
        sql += " AND d.date >= :dfrom"
    if f.date_to:
        params["dto"] = f.date_to + "\uffff"  # "2018" takes in all of 2018
        sql += " AND d.date <= :dto"
    if f.public_only:
        sql += " AND d.no_person_records = 1"
    return sql


def _fts5(tokens: list[str]) -> str:
    return '"' + " ".join(tokens) + '"'


def fts5_query(q: Query) -> str:
    """The FTS5 expression of the whole query (over document_fts: AND and NOT hold over a file)."""
    expr = " AND ".join("(" + " OR ".join(_fts5(t.tokens) for t in g) + ")" for g in q.groups)
    for t in q.negated:
        expr = f"({expr}) NOT {_fts5(t.tokens)}"
    return expr


def fts5_places(q: Query) -> str:
    """The FTS5 expression of a place in a matching file: a block holding any word looked for."""
    return " OR ".join(_fts5(t.tokens) for t in q.positive())


def _tsq(t: Term) -> str:
    return "(" + " <-> ".join("'" + tok.replace("'", "''") + "'" for tok in t.tokens) + ")"


def tsquery(q: Query) -> str:
    """The PostgreSQL tsquery of a place: any word looked for (AND and NOT hold over the file)."""
    return " | ".join(_tsq(t) for t in q.positive())


def _files(conn: Any, q: Query, f: Filters) -> list[tuple[int, float, int | None, int | None]]:
    """(file id, score: higher is better, best block id, places) for every matching file; on
    SQLite the block and places are left to _places (None), as they cost a query each."""
    params: dict[str, Any] = {}
    where = _where(f, params)
    if conn.dialect.name == "sqlite":
        params["q"] = fts5_query(q)
        sql = (
            "SELECT m.id, -m.r FROM (SELECT rowid AS id, bm25(document_fts) AS r FROM document_fts "
            "WHERE document_fts MATCH :q) m JOIN source_file sf ON sf.id = m.id "
            f"LEFT JOIN document d ON d.file_id = m.id WHERE 1 = 1{where}"
        )
        return [(int(a), float(b), None, None) for a, b in conn.execute(text(sql), params)]
    # PostgreSQL: blocks holding any word; then per file, each AND group present and no NOT word.
    tsv = "to_tsvector('simple', b.tokens)"
    params["q"] = tsquery(q)
    having = []
    for k, g in enumerate(q.groups):
        params[f"g{k}"] = " | ".join(_tsq(t) for t in g)
        having.append(f"bool_or({tsv} @@ to_tsquery('simple', :g{k}))")
    neg = ""
    if q.negated:
        params["n"] = " | ".join(_tsq(t) for t in q.negated)
        neg = (" AND NOT EXISTS (SELECT 1 FROM text_block b2 WHERE b2.file_id = b.file_id AND "
               "to_tsvector('simple', b2.tokens) @@ to_tsquery('simple', :n))")  # fmt: skip
    params["every"] = " & ".join(f"({params[f'g{k}']})" for k in range(len(q.groups)))
    sql = (  # the place shown: as on SQLite (_places), the first holding every word, else the first
        f"SELECT b.file_id, max(ts_rank({tsv}, tq.q)), "
        f"(array_agg(b.id ORDER BY {tsv} @@ to_tsquery('simple', :every) DESC, b.id))[1], count(*) "
        "FROM text_block b CROSS JOIN to_tsquery('simple', :q) AS tq(q) "
        "JOIN source_file sf ON sf.id = b.file_id LEFT JOIN document d ON d.file_id = b.file_id "
        f"WHERE {tsv} @@ tq.q{where}{neg} GROUP BY b.file_id HAVING {' AND '.join(having)}"
    )
    return [(int(a), float(b), int(c), int(n)) for a, b, c, n in conn.execute(text(sql), params)]


def _places(conn: Any, q: Query, fid: int) -> tuple[int | None, int]:
    """SQLite: the place shown for the file and the number of places, in one statement. Shown:
    the first block holding a word of each AND group, else the first place (no bm25 here: FTS5
    computes its weights over the whole table, as costly as the word is common). A file's blocks
    have consecutive ids (izdesh.docs.index): a rowid range of text_block_fts."""
    every = " AND ".join("(" + " OR ".join(_fts5(t.tokens) for t in g) + ")" for g in q.groups)
    within = "FROM text_block_fts WHERE text_block_fts MATCH {} AND rowid BETWEEN r.lo AND r.hi"
    sql = (
        f"SELECT coalesce(({'SELECT rowid ' + within.format(':every') + ' ORDER BY rowid LIMIT 1'}), "
        f"({'SELECT rowid ' + within.format(':any') + ' ORDER BY rowid LIMIT 1'})), "
        f"({'SELECT count(*) ' + within.format(':any')}) "
        "FROM (SELECT (SELECT min(id) FROM text_block WHERE file_id = :f) AS lo, "
        "(SELECT max(id) FROM text_block WHERE file_id = :f) AS hi) AS r"
    )
    best, n = conn.execute(text(sql), {"f": fid, "every": every, "any": fts5_places(q)}).one()
    return best, n


def rank_files(conn: Any, query: str, filters: Filters | None = None) -> list[tuple[int, float]]:
    """(file id, score) of every file the query matches, best first."""
    return [(fid, score) for fid, score, _b, _n in _ranked(conn, parse(query), filters or Filters())]


def _ranked(conn: Any, q: Query, f: Filters) -> list[tuple[int, float, int | None, int | None]]:
    if conn.dialect.name == "sqlite" and not _has_index(conn):
        return []
    return sorted(_files(conn, q, f), key=lambda r: (-r[1], r[0]))


def search_docs(
    engine: Engine, query: str, *, limit: int = 20, filters: Filters | None = None, facets: bool = True
) -> dict[str, Any]:
    """Ranked documents for a query: one result per file (its best block), with the number of
    matching places in the file, a marked snippet, the glossary terms in it, and entity facets over
    every matching file."""
    q = parse(query)
    with engine.connect() as conn:
        ranked = _ranked(conn, q, filters or Filters())
        top = []
        for fid, score, bid, n in ranked[:limit]:
            if bid is None:
                bid, n = _places(conn, q, fid)
            if bid is not None:
                top.append((fid, score, bid, n))
        tb, sf, d = schema.text_block, schema.source_file, schema.document
        rows = {}
        if top:
            for r in conn.execute(
                select(tb.c.id, tb.c.kind, tb.c.locator, tb.c.text, sf.c.path, sf.c.type, d.c.date, d.c.no_person_records)
                .join(sf, sf.c.id == tb.c.file_id).outerjoin(d, d.c.file_id == tb.c.file_id)
                .where(tb.c.id.in_([bid for _, _, bid, _ in top]))
            ):  # fmt: skip
                rows[r.id] = r
        results = []
        for fid, score, bid, n in top:
            r = rows[bid]
            results.append(
                {
                    "path": r.path,
                    "locator": r.locator,
                    "snippet": snippet(r.text, q),
                    "score": round(score, 6),
                    "file_id": fid,
                    "type": r.type,
                    "kind": r.kind,
                    "date": r.date,
                    "hits": n,
                    "no_person_records": bool(r.no_person_records),
                    "glossary": glossary_in(r.text),
                }
            )
        out: dict[str, Any] = {"query": query, "total": len(ranked), "results": results}
        if facets:
            out["facets"] = entity_facets(conn, [fid for fid, *_ in ranked])
    return out


def _has_index(conn: Any) -> bool:
    """The store has the index this code reads (a store indexed by an older version lacks
    document_fts: `izdesh docs --reindex` makes it)."""
    if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'document_fts'").first():
        return True
    if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'text_block_fts'").first():
        raise DocsQueryError("this store's text index is from an older version: run izdesh docs --reindex --db DB")
    return False


# --- snippets ----------------------------------------------------------------------------------

SNIPPET_CHARS = 120


def _pattern(terms: list[Term]) -> re.Pattern[str] | None:
    alts = []
    for t in sorted(terms, key=lambda t: -sum(map(len, t.pieces))):
        alts.append(r"[\W_]*".join(re.escape(p) for p in t.pieces))
    return re.compile("|".join(alts), re.IGNORECASE) if alts else None


def snippet(text_: str, q: Query, width: int = SNIPPET_CHARS) -> str:
    """A window of the text around the first match, HTML-escaped, matches in <mark>."""
    norm = normalize(text_)
    if len(norm) != len(text_):  # NFKC changed lengths: mark in the normalised text
        text_ = norm
    pat = _pattern(q.positive())
    spans = [(m.start(), m.end()) for m in pat.finditer(norm)] if pat else []
    spans = [s for s in spans if s[1] > s[0]]
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = min(len(text_), start + width)
    start = max(0, min(start, end - width))
    out, pos = [], start
    if start > 0:
        out.append("…")
    for a, b in spans:
        if b <= start or a >= end or a < pos:
            continue
        b = min(b, end)
        out.append(html.escape(text_[pos:a]))
        out.append(f"<mark>{html.escape(text_[a:b])}</mark>")
        pos = b
    out.append(html.escape(text_[pos:end]))
    if end < len(text_):
        out.append("…")
    return "".join(out).replace("\n", " ")


# --- glossary ----------------------------------------------------------------------------------


@cache
def _terms() -> list[tuple[str, dict[str, str]]]:
    raw = tomllib.loads(resources.files("izdesh.records").joinpath("data/terms.toml").read_text("utf-8"))
    out = []
    for kind in ("status", "reason", "category"):
        for key, v in raw.get(kind, {}).items():
            for zh in v.get("zh", []):
                if len(zh) >= 2:
                    out.append((zh, {"kind": kind, "key": key, "zh": zh, "en": v.get("en", ""), "ug": v.get("ug", ""),
                                     "tr": v.get("tr", "")}))  # fmt: skip
    out.sort(key=lambda t: -len(t[0]))
    return out


def glossary_in(text_: str) -> list[dict[str, str]]:
    """Record terms written in the text (longest variant first, one per key), with their English,
    Uyghur and Turkish labels."""
    found: list[dict[str, str]] = []
    keys: set[tuple[str, str]] = set()
    taken: list[tuple[int, int]] = []
    for zh, entry in _terms():
        k = (entry["kind"], entry["key"])
        if k in keys:
            continue
        i = text_.find(zh)
        if i < 0 or any(a <= i < b for a, b in taken):
            continue
        keys.add(k)
        taken.append((i, i + len(zh)))
        found.append(entry)
    return found


# --- entities ----------------------------------------------------------------------------------

FACET_KINDS = ("phone", "officer", "unit", "badge", "township", "village", "facility")


_ENTITIES: dict[str, tuple[tuple[int, int], dict[int, list[tuple[str, str]]]]] = {}


def _entities_by_file(conn: Any) -> dict[int, list[tuple[str, str]]]:
    """file id -> its distinct (kind, value): read once per process and kept while the table does
    not change (a few bytes per entity: 58,000 in the full synthetic leak)."""
    e = schema.doc_entity
    stamp = tuple(conn.execute(select(func.count(), func.max(e.c.id))).one())
    key = str(conn.engine.url)
    cached = _ENTITIES.get(key)
    if cached is None or cached[0] != stamp:
        by: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for fid, kind, value in conn.execute(select(e.c.file_id, e.c.kind, e.c.value)):
            by[fid].add((kind, value))
        cached = _ENTITIES[key] = (stamp, {f: sorted(v) for f, v in by.items()})
    return cached[1]


def entity_facets(conn: Any, file_ids: list[int], top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """For each entity kind, the values most files among `file_ids` mention: [{"value", "files"}]."""
    by = _entities_by_file(conn)
    files = Counter(chain.from_iterable(by.get(fid, ()) for fid in file_ids))
    kinds: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for (kind, value), n in files.items():
        kinds[kind].append((-n, value))
    return {kind: [{"value": v, "files": -n} for n, v in heapq.nsmallest(top, vals)] for kind, vals in sorted(kinds.items())}


def list_entities(engine: Engine, kind: str | None = None) -> list[dict[str, Any]]:
    """Every entity found in the documents, with each place it is written (for export)."""
    e, tb, sf = schema.doc_entity, schema.text_block, schema.source_file
    stmt = (
        select(e.c.kind, e.c.value, e.c.extra, sf.c.path, tb.c.locator)
        .join(tb, tb.c.id == e.c.block_id)
        .join(sf, sf.c.id == e.c.file_id)
        .order_by(e.c.kind, e.c.value, sf.c.path, e.c.id)
    )
    if kind:
        stmt = stmt.where(e.c.kind.in_([k.strip() for k in kind.split(",")]))
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    with engine.connect() as conn:
        for k, v, extra, path, loc in conn.execute(stmt):
            g = grouped.setdefault((k, v), {"kind": k, "value": v, "details": [], "places": []})
            if extra and extra not in g["details"]:
                g["details"].append(extra)
            g["places"].append({"path": path, "locator": loc})
    return list(grouped.values())


__all__ = ["DocsQueryError", "Filters", "list_entities", "parse", "rank_files", "search_docs", "snippet"]
