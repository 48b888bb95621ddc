"""Full-text queries over document text: parsing, ranked matching on either engine, snippets with
the matched words marked, entity facets and glossary help.

Query syntax: words (AND by default), "a phrase", OR between two words, NOT word or -word.
Chinese words are matched as the phrase of their character bigrams (see izdesh.docs.index), so a
two-character word like 开枪 is found wherever it is written.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import Engine, select, text

from izdesh.docs.index import CJK, SEPARATOR, ensure_index, normalize, run_tokens, runs
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


def _term(s: str, negated: bool = False) -> Term | None:
    rs = runs(s)
    if not rs:
        return None
    toks: list[str] = []
    for is_cjk, run in rs:
        toks.extend(run_tokens(is_cjk, run))
    return Term(toks, [r for _, r in rs], negated)


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


def fts5_query(q: Query) -> str:
    def one(t: Term) -> str:
        return '"' + " ".join(t.tokens) + '"'

    expr = " AND ".join("(" + " OR ".join(one(t) for t in g) + ")" for g in q.groups)
    for t in q.negated:
        expr = f"({expr}) NOT {one(t)}"
    return expr


def tsquery(q: Query) -> str:
    def one(t: Term) -> str:
        return "(" + " <-> ".join(f"'{tok}'" for tok in t.tokens) + ")"

    expr = " & ".join("(" + " | ".join(one(t) for t in g) + ")" for g in q.groups)
    for t in q.negated:
        expr += f" & !{one(t)}"
    return expr


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


def _matches(conn: Any, q: Query, f: Filters) -> list[tuple[int, int, float]]:
    """(block id, file id, score: higher is better) for every matching block."""
    params: dict[str, Any] = {}
    where = _where(f, params)
    if conn.dialect.name == "sqlite":
        params["q"] = fts5_query(q)
        sql = (
            "SELECT m.id, b.file_id, -m.r FROM (SELECT rowid AS id, bm25(text_block_fts) AS r FROM text_block_fts "
            "WHERE text_block_fts MATCH :q) m JOIN text_block b ON b.id = m.id "
            "JOIN source_file sf ON sf.id = b.file_id LEFT JOIN document d ON d.file_id = b.file_id "
            f"WHERE 1 = 1{where}"
        )
    else:
        params["q"] = tsquery(q)
        sql = (
            "SELECT b.id, b.file_id, ts_rank(to_tsvector('simple', b.tokens), tq.q) "
            "FROM text_block b CROSS JOIN to_tsquery('simple', :q) AS tq(q) "
            "JOIN source_file sf ON sf.id = b.file_id LEFT JOIN document d ON d.file_id = b.file_id "
            f"WHERE to_tsvector('simple', b.tokens) @@ tq.q{where}"
        )
    return [(int(a), int(b), float(c)) for a, b, c in conn.execute(text(sql), params)]


def search_docs(
    engine: Engine, query: str, *, limit: int = 20, filters: Filters | None = None, facets: bool = True
) -> dict[str, Any]:
    """Ranked documents for a query: one result per file (its best block), with the number of
    matching places in the file, a marked snippet, the glossary terms in it, and entity facets over
    every matching file."""
    q = parse(query)
    f = filters or Filters()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite" and not _has_fts(conn):
            return {"query": query, "total": 0, "results": [], "facets": {}}
        hits = _matches(conn, q, f)
        best: dict[int, tuple[float, int]] = {}
        count: Counter[int] = Counter()
        for bid, fid, score in hits:
            count[fid] += 1
            if fid not in best or score > best[fid][0] or (score == best[fid][0] and bid < best[fid][1]):
                best[fid] = (score, bid)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        top = ranked[:limit]
        tb, sf, d = schema.text_block, schema.source_file, schema.document
        rows = {}
        if top:
            ids = [bid for _, (_, bid) in top]
            for r in conn.execute(
                select(tb.c.id, tb.c.kind, tb.c.locator, tb.c.text, sf.c.id.label("fid"), sf.c.path, sf.c.type,
                       d.c.date, d.c.no_person_records)
                .join(sf, sf.c.id == tb.c.file_id).outerjoin(d, d.c.file_id == tb.c.file_id)
                .where(tb.c.id.in_(ids))
            ):  # fmt: skip
                rows[r.id] = r
        results = []
        for fid, (score, bid) in top:
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
                    "hits": count[fid],
                    "no_person_records": bool(r.no_person_records),
                    "glossary": glossary_in(r.text),
                }
            )
        out: dict[str, Any] = {"query": query, "total": len(best), "results": results}
        if facets:
            out["facets"] = entity_facets(conn, [fid for fid, _ in ranked])
    return out


def _has_fts(conn: Any) -> bool:
    return bool(conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'text_block_fts'").first())


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


def entity_facets(conn: Any, file_ids: list[int], top: int = 10) -> dict[str, list[dict[str, Any]]]:
    """For each entity kind, the values most files among `file_ids` mention: [{"value", "files"}]."""
    e = schema.doc_entity
    files: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i in range(0, len(file_ids), 900):
        chunk = file_ids[i : i + 900]
        for kind, value, fid in conn.execute(select(e.c.kind, e.c.value, e.c.file_id).where(e.c.file_id.in_(chunk))):
            files[(kind, value)].add(fid)
    out: dict[str, list[dict[str, Any]]] = {}
    for (kind, value), fs in sorted(files.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lst = out.setdefault(kind, [])
        if len(lst) < top:
            lst.append({"value": value, "files": len(fs)})
    return out


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


__all__ = ["DocsQueryError", "Filters", "parse", "search_docs", "list_entities", "snippet", "ensure_index", "SEPARATOR"]
