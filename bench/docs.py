"""Full-text search figures (issue 10) on a store built from a generated leak.

    python bench/docs.py --leak /tmp/iz/leak --db /tmp/iz/store.sqlite [--words 300]
        [--rebuild]      # also time izdesh.docs.index.rebuild_index on --db (writes: use a copy)
        [--no-replay]    # skip the per-file replay of write_text into a fresh store

Truth: two- and three-character strings sampled from the generator's phrase pools
(izdesh/generate/prose.py); which files contain each is found by reading the original files again
with other libraries than the ingest uses (the Office XML parts with a regular expression, PDFs with
pypdf, spreadsheets with openpyxl/xlrd, text as UTF-8/GB18030). Recall = (word, file) pairs where
the file holds the word and `docs` matches the file (rank_files: every matching file, not only the
first page of results) / (word, file) pairs where the file holds the word; side by side with a
plain SQLite FTS5 trigram index over the same stored text (a file found when one of its blocks
matches). Then query latency over realistic queries (2- and 3-character words, AND, OR, NOT,
phrases, filters): p50/p95 of wall time and of the process's CPU time per query (the CPU figure
is far less swayed by the load of a shared machine), warm, in-process, search_docs with facets.
Then the indexing cost: the per-file replay of write_text (text rows, index, entities, document
row: what the ingest writes for full-text search, file by file, each in its own transaction) into
a fresh store, and with --rebuild the bulk rebuild of the index alone.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import sys
import time
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from izdesh.store import schema  # noqa: E402
from izdesh.store.db import open_engine  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]+")
_P = {"docx": (rb"<w:p[ >].*?</w:p>", rb"<w:t(?: [^>]*)?>([^<]*)</w:t>"),
      "pptx": (rb"<a:p>.*?</a:p>", rb"<a:t>([^<]*)</a:t>")}  # fmt: skip


def pool_words(rng: random.Random, n: int, length: int) -> list[str]:
    """`n` distinct strings of `length` Chinese characters from the generator's phrase pools."""
    from izdesh.generate import prose

    texts: list[str] = []
    for name in ("SPEECH_OPENINGS", "SPEECH_POINTS", "PROTOCOL_ITEMS", "REPORT_OPENINGS", "REPORT_MIDDLES",
                 "REPORT_CLOSINGS"):  # fmt: skip
        texts.extend(getattr(prose, name))
    for title, bullets in prose.SLIDE_TOPICS:
        texts.append(title)
        texts.extend(bullets)
    for v in prose.FACILITIES.values():
        texts.extend(v)
    subs = sorted({run[i : i + length] for t in texts for run in HAN.findall(t) for i in range(len(run) - length + 1)})
    return rng.sample(subs, min(n, len(subs)))


def original_texts(leak: Path) -> dict[str, str]:
    """path (as stored) -> the file's text, read independently of izdesh.ingest."""
    out: dict[str, str] = {}
    for p in sorted(leak.rglob("*")):
        rel = p.relative_to(leak).as_posix()
        if not p.is_file() or rel.startswith("truth/"):
            continue
        ext = p.suffix.lower().lstrip(".")
        try:
            out[rel] = unicodedata.normalize("NFKC", _read(p, ext))
        except Exception:
            continue
    return out


def _read(p: Path, ext: str) -> str:
    if ext in _P:
        para, run = _P[ext]
        parts = []
        with zipfile.ZipFile(p) as zf:
            for name in zf.namelist():
                if name.endswith(".xml") and (name.startswith("word/") or name.startswith("ppt/slides/")):
                    data = zf.read(name)
                    for m in re.finditer(para, data, re.S):
                        parts.append("".join(x.decode("utf-8") for x in re.findall(run, m.group(0))))
        import html

        return html.unescape("\n".join(parts))
    if ext == "pdf":
        import pypdf

        return "\n".join((pg.extract_text() or "") for pg in pypdf.PdfReader(str(p)).pages)
    if ext == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        return "\n".join("\t".join("" if c is None else str(c) for c in row) for ws in wb for row in ws.iter_rows(values_only=True))
    if ext == "xls":
        import xlrd

        wb = xlrd.open_workbook(str(p))
        return "\n".join("\t".join(str(c) for c in ws.row_values(r)) for ws in wb.sheets() for r in range(ws.nrows))
    if ext in ("txt", "csv"):
        data = p.read_bytes()
        for enc in ("utf-8", "gb18030"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                pass
    return ""


def truth_files(words: list[str], texts: dict[str, str]) -> dict[str, set[str]]:
    return {w: {path for path, t in texts.items() if w in t} for w in words}


def trigram_index(engine) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    tri = sqlite3.connect(":memory:")
    tri.execute("CREATE VIRTUAL TABLE t USING fts5(path UNINDEXED, x, tokenize='trigram')")
    tb, sf = schema.text_block, schema.source_file
    with engine.connect() as conn:
        rows = conn.execute(select(sf.c.path, tb.c.text).join(sf, sf.c.id == tb.c.file_id)).all()
    tri.executemany("INSERT INTO t(path, x) VALUES (?, ?)", [tuple(r) for r in rows])
    return tri


def trigram_files(tri: sqlite3.Connection, word: str) -> set[str]:
    return {p for (p,) in tri.execute("SELECT DISTINCT path FROM t WHERE t MATCH ?", ('"' + word + '"',))}


def recall(engine, words: list[str], truth: dict[str, set[str]], tri: sqlite3.Connection | None = None) -> dict:  # type: ignore[no-untyped-def]
    from izdesh.docs.query import rank_files

    with engine.connect() as conn:
        path_of = dict(conn.execute(select(schema.source_file.c.id, schema.source_file.c.path)).all())
    found = want = tri_found = 0
    missed: list[tuple[str, str]] = []
    for w in words:
        if not truth[w]:
            continue
        with engine.connect() as conn:
            got = {path_of[fid] for fid, _ in rank_files(conn, f'"{w}"')}
        want += len(truth[w])
        found += len(truth[w] & got)
        missed.extend((w, p) for p in sorted(truth[w] - got))
        if tri is not None:
            tri_found += len(truth[w] & trigram_files(tri, w))
    return {"words": sum(1 for w in words if truth[w]), "pairs": want, "recall": found / want if want else None,
            "trigram_recall": tri_found / want if want and tri is not None else None, "missed": missed[:10]}  # fmt: skip


def queries(words2: list[str], words3: list[str]) -> list[tuple[str, object]]:
    """Realistic queries: single words, AND, OR, NOT, phrases, with and without filters."""
    from izdesh.docs.query import Filters

    w2, w3 = words2, words3
    qs: list[tuple[str, object]] = [(w, None) for w in w2[:100] + w3[:100]]
    qs += [(f"{a} {b}", None) for a, b in zip(w2[:30], w3[:30])]
    qs += [(f"{a} OR {b}", None) for a, b in zip(w2[30:60], w3[30:60])]
    qs += [(f"{a} -{b}", None) for a, b in zip(w3[60:90], w2[60:90])]
    qs += [(f'"{a}{b}"', None) for a, b in zip(w2[:20], w2[20:40])]
    qs += [(w, Filters(type="docx")) for w in w2[:20]] + [(w, Filters(date_from="2017", date_to="2018")) for w in w3[:20]]
    qs += [(w, Filters(folder="Shufu")) for w in w2[40:60]]
    qs += [(q, None) for q in ("开枪 OR 快牙", "教培中心 -看守所", '"职业技能教育培训中心" 脱逃', "维稳 收押 快牙", "枪", "13")]
    return qs


def latency(engine, qs: list[tuple[str, object]]) -> dict:  # type: ignore[no-untyped-def]
    from izdesh.docs.query import search_docs

    for q, f in qs[:5]:
        search_docs(engine, q, limit=20, filters=f)  # type: ignore[arg-type]
    wall, cpu = [], []
    for q, f in qs:
        t0, c0 = time.perf_counter(), time.process_time()
        search_docs(engine, q, limit=20, filters=f)  # type: ignore[arg-type]
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)

    def pct(ts: list[float], p: float) -> float:
        return round(sorted(ts)[int(p * (len(ts) - 1))], 1)

    return {"queries": len(wall), "p50_ms": pct(wall, 0.5), "p95_ms": pct(wall, 0.95), "max_ms": pct(wall, 1.0),
            "cpu_p50_ms": pct(cpu, 0.5), "cpu_p95_ms": pct(cpu, 0.95), "cpu_max_ms": pct(cpu, 1.0)}  # fmt: skip


def rebuild(db: str) -> dict:
    """Drop and make again the full-text index of the store `db` (writes to it)."""
    from izdesh.docs.index import rebuild_index

    t0, c0 = time.perf_counter(), time.process_time()
    n = rebuild_index(open_engine(db))
    return {"blocks": n, "wall_s": round(time.perf_counter() - t0, 1), "cpu_s": round(time.process_time() - c0, 1)}


def index_cost(src_engine, db: str) -> dict:  # type: ignore[no-untyped-def]
    """Time to store and index (text, tokens, FTS, entities, document row) every document of the
    source store again into the fresh store `db`: what full-text search adds to an ingest."""
    from izdesh.docs.index import write_text

    tb, sf = schema.text_block, schema.source_file
    per_file: dict[int, list] = defaultdict(list)
    with src_engine.connect() as conn:
        files = {r.id: r for r in conn.execute(select(sf.c.id, sf.c.path, sf.c.type, sf.c.records, sf.c.meta))}
        for fid, kind, loc, txt in conn.execute(select(tb.c.file_id, tb.c.kind, tb.c.locator, tb.c.text).order_by(tb.c.id)):
            per_file[fid].append({"kind": kind, "locator": loc, "text": txt})
    dst = open_engine(db, create=True)
    blocks = sum(len(v) for v in per_file.values())
    t_write = 0.0
    t_commit = 0.0
    c0 = time.process_time()
    for fid, bl in per_file.items():
        f = files[fid]
        people = f.records and f.type in ("xlsx", "xls", "ods", "text", "csv")
        bl = [dict(b, people_table=True) if people and b["kind"] == "cell" else b for b in bl]
        with dst.begin() as conn:
            new_id = conn.execute(schema.source_file.insert().values(path=f.path, sha256="0" * 64, size=0, type=f.type,
                                                                     status="ok", records=0)).inserted_primary_key[0]  # fmt: skip
            res = SimpleNamespace(path=f.path, status="ok", meta=f.meta or {}, records=[1] * (f.records or 0), blocks=bl)
            t1 = time.perf_counter()
            write_text(conn, new_id, res)
            t2 = time.perf_counter()
        t_write += t2 - t1
        t_commit += time.perf_counter() - t2  # the ingest commits each file anyway; more data, longer commit
    total = t_write + t_commit
    docs = len(per_file)
    return {"documents": docs, "blocks": blocks, "seconds_write": round(t_write, 2), "seconds_commit": round(t_commit, 2),
            "cpu_s": round(time.process_time() - c0, 1),  # the whole replay loop, source_file rows included
            "s_per_1000_docs": round(total / docs * 1000, 2) if docs else None,
            "ms_per_1000_blocks": round(total / blocks * 1e6, 1) if blocks else None}  # fmt: skip


def main() -> None:
    from bench.harness import machine

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leak", type=Path, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--words", type=int, default=300, help="words sampled per length")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--index-db", default=None, help="a fresh store for the indexing cost (default: a temp SQLite file)")
    ap.add_argument("--rebuild", action="store_true", help="also time rebuilding the index of --db (writes to it)")
    ap.add_argument("--no-replay", action="store_true", help="skip the per-file replay of write_text")
    a = ap.parse_args()
    print("machine:", machine())
    if a.rebuild:
        print("rebuild of the index (drop, make again):", rebuild(a.db))
    engine = open_engine(a.db, readonly=True)
    rng = random.Random(a.seed)
    texts = original_texts(a.leak)
    tri = trigram_index(engine)
    by_len: dict[int, list[str]] = {}
    for n in (2, 3):
        words = by_len[n] = pool_words(rng, a.words, n)
        truth = truth_files(words, texts)
        r = recall(engine, words, truth, tri)
        print(f"{n}-character words: {r['words']} words in {r['pairs']} (word, file) pairs: "
              f"recall {r['recall']:.4f}   trigram FTS5 {r['trigram_recall']:.4f}   missed {r['missed']}")  # fmt: skip
    del tri, texts
    print("latency:", latency(engine, queries(by_len[2], by_len[3])), "load:", os.getloadavg())
    if a.no_replay:
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        cost = index_cost(engine, a.index_db or str(Path(tmp) / "idx.sqlite"))
    print("indexing, per-file replay:", cost, "load:", os.getloadavg())
    if cost["s_per_1000_docs"]:
        with engine.connect() as conn:
            persons = conn.execute(select(func.count()).select_from(schema.person)).scalar_one()
        by_docs = cost["s_per_1000_docs"] * 11.477
        by_blocks = cost["ms_per_1000_blocks"] / 1e6 * cost["blocks"] * 830_000 / max(persons, 1)
        print(f"extrapolated to the full leak (11,477 documents, 830,000 persons): {by_docs:.0f} s at this leak's "
              f"blocks per document; {by_blocks:.0f} s scaling the blocks (table rows) with the persons "
              f"({persons:,} here), single process")  # fmt: skip


if __name__ == "__main__":
    main()
