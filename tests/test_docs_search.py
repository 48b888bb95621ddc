"""Full-text search over documents and table cells (izdesh docs), on both engines: a hand-made leak
whose every sentence is known, independent of the generator."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
import xlsxwriter
from click.testing import CliRunner
from sqlalchemy import select

from izdesh.docs.commands import docs
from izdesh.docs.query import DocsQueryError, Filters, parse, search_docs
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import make_id

SPEECH = [
    "要严格落实教培中心安全管理，对企图脱逃的，警告无效的可以开枪。",
    "持续开展快牙专项清理 <script>alert(1)</script> & 其他。",
    "疏附县公安局托克扎克镇派出所所长 王建国（一级警司），联系电话：13812345678，警号：012345",
    "特克斯县看守所管教民警 李明（二级警督），联系电话：0999-4495713",
]
REPORT = "对使用快牙软件的人员一律先收押再审查，维稳工作不力的严肃追责。开，枪不是一个词。"
NOTICE = "本周全县开展法律法规学习，学员参加汉语考试。"


@pytest.fixture(scope="module")
def text_leak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docsleak")
    (root / "讲话").mkdir()
    d = docx.Document()
    for p in SPEECH:
        d.add_paragraph(p)
    d.save(str(root / "讲话" / "讲话_20170501.docx"))
    (root / "报告").mkdir()
    (root / "报告" / "报告_20180301.txt").write_text(REPORT, encoding="utf-8")
    (root / "报告" / "通知_20190110.txt").write_text(NOTICE, encoding="utf-8")
    (root / "名单").mkdir()
    wb = xlsxwriter.Workbook(root / "名单" / "名单.xlsx")
    ws = wb.add_worksheet("人员")
    ws.write_row(0, 0, ["姓名", "身份证号码", "原因", "现状"])
    ws.write_row(1, 0, ["买买提·吐尔逊", make_id("653121", "19850304", 11), "使用快牙", "教育转化"])
    ws.write_row(2, 0, ["阿依古丽", make_id("653121", "19900512", 22), "有亲属在境外", "在押"])
    wb.close()
    return root


@pytest.fixture(scope="module")
def docs_db(text_leak: Path, new_store: Callable[[], str]) -> str:
    from izdesh.ingest.pipeline import ingest

    db = new_store()
    with pytest.MonkeyPatch.context() as mp:  # OCR off for this ingest only, not for later tests
        mp.setenv("IZDESH_OCR", "0")
        ingest([text_leak], db, workers=1, progress=False)
    return db


def paths(db: str, q: str, **kw: object) -> list[str]:
    out = search_docs(open_engine(db), q, limit=50, filters=Filters(**kw))  # type: ignore[arg-type]
    return sorted(r["path"] for r in out["results"])


def test_blocks_stored_with_locators(docs_db: str) -> None:
    eng = open_engine(docs_db)
    with eng.connect() as conn:
        rows = conn.execute(
            select(schema.source_file.c.path, schema.text_block.c.kind, schema.text_block.c.locator, schema.text_block.c.text)
            .join(schema.source_file, schema.source_file.c.id == schema.text_block.c.file_id)
        ).all()
    by = {(p, json.dumps(loc, sort_keys=True, ensure_ascii=False)): (k, t) for p, k, loc, t in rows}
    assert by[("讲话/讲话_20170501.docx", '{"paragraph": 0}')] == ("paragraph", SPEECH[0])
    kind, cells = by[("名单/名单.xlsx", '{"row": 1, "sheet": "人员"}')]
    assert kind == "cell" and "使用快牙" in cells and "买买提·吐尔逊" in cells


def test_two_character_word_found_where_trigram_fails(docs_db: str) -> None:
    assert paths(docs_db, "开枪") == ["讲话/讲话_20170501.docx"]  # not 报告 ("开，枪")
    assert paths(docs_db, "快牙") == ["名单/名单.xlsx", "报告/报告_20180301.txt", "讲话/讲话_20170501.docx"]
    # The same text in a plain FTS5 trigram index: a two-character word cannot be matched.
    eng = open_engine(docs_db)
    with eng.connect() as conn:
        texts = [t for (t,) in conn.execute(select(schema.text_block.c.text))]
    tri = sqlite3.connect(":memory:")
    tri.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    tri.executemany("INSERT INTO t(x) VALUES (?)", [(t,) for t in texts])
    assert tri.execute("SELECT count(*) FROM t WHERE t MATCH '\"开枪\"'").fetchone()[0] == 0
    assert tri.execute("SELECT count(*) FROM t WHERE t MATCH '\"教培中心\"'").fetchone()[0] == 1


def test_single_character_and_long_words(docs_db: str) -> None:
    assert "讲话/讲话_20170501.docx" in paths(docs_db, "枪")
    assert paths(docs_db, "托克扎克镇派出所") == ["讲话/讲话_20170501.docx"]
    assert paths(docs_db, "13812345678") == ["讲话/讲话_20170501.docx"]
    assert paths(docs_db, "0999-4495713") == ["讲话/讲话_20170501.docx"]


def test_query_semantics(docs_db: str) -> None:
    assert paths(docs_db, "快牙 收押") == ["报告/报告_20180301.txt"]  # AND
    assert paths(docs_db, "开枪 OR 汉语") == ["报告/通知_20190110.txt", "讲话/讲话_20170501.docx"]
    assert paths(docs_db, "快牙 -收押") == ["名单/名单.xlsx", "讲话/讲话_20170501.docx"]
    assert paths(docs_db, "快牙 NOT 收押") == ["名单/名单.xlsx", "讲话/讲话_20170501.docx"]
    assert paths(docs_db, '"快牙专项清理"') == ["讲话/讲话_20170501.docx"]
    assert paths(docs_db, '"快牙清理"') == []  # a phrase is the words in that order, adjacent
    assert paths(docs_db, "script alert") == ["讲话/讲话_20170501.docx"]
    with pytest.raises(DocsQueryError):
        parse("-快牙")
    q = parse('a "b c" OR d NOT e -f')
    assert [[t.pieces for t in g] for g in q.groups] == [[["a"]], [["b", "c"], ["d"]]]
    assert [t.pieces for t in q.negated] == [["e"], ["f"]]


def test_and_not_over_a_file_and_its_places(docs_db: str) -> None:
    # 开枪 and 快牙 stand in two paragraphs of the speech: AND holds over the file.
    out = search_docs(open_engine(docs_db), "开枪 快牙", limit=5)
    assert [r["path"] for r in out["results"]] == ["讲话/讲话_20170501.docx"]
    r = out["results"][0]
    assert r["hits"] == 2 and r["locator"] == {"paragraph": 0}  # places: blocks with either word
    out = search_docs(open_engine(docs_db), "快牙 维稳", limit=5)  # both in one sentence of the report
    assert [(r["path"], r["hits"]) for r in out["results"]] == [("报告/报告_20180301.txt", 1)]
    assert paths(docs_db, "快牙 -开枪") == ["名单/名单.xlsx", "报告/报告_20180301.txt"]  # NOT: anywhere in the file


def test_tokens() -> None:
    from izdesh.docs.index import BREAK, query_tokens, tokens_of

    assert tokens_of("开，枪 Zapya-App １３村").split() == ["开", BREAK, "枪", "zapya", "app", "13", "村"]
    assert query_tokens("，快牙。") == ["快", "牙"]  # no BREAK at the ends of a query word
    assert query_tokens("13村") == ["13", "村"]


def test_mixed_script_word(docs_db: str) -> None:
    # A word of digits and Chinese characters matches inside a longer run of characters.
    assert paths(docs_db, "0999-4495713") == ["讲话/讲话_20170501.docx"]
    assert paths(docs_db, "012345") == ["讲话/讲话_20170501.docx"]
    assert paths(docs_db, "13812345678）") == ["讲话/讲话_20170501.docx"]


def test_reindex_gives_the_same_answers(text_leak: Path, new_store: Callable[[], str]) -> None:
    from izdesh.ingest.pipeline import ingest

    db = new_store()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IZDESH_OCR", "0")
        ingest([text_leak], db, workers=1, progress=False)
    queries = ["快牙", "开枪 OR 汉语", "快牙 -收押", '"快牙专项清理"', "枪"]
    before = {q: paths(db, q) for q in queries}
    eng = open_engine(db)
    if eng.dialect.name == "sqlite":  # a store indexed by an older version: told to reindex
        with eng.begin() as conn:
            conn.exec_driver_sql("DROP TABLE document_fts")
        with pytest.raises(DocsQueryError, match="--reindex"):
            search_docs(eng, "快牙")
    res = CliRunner().invoke(docs, ["--reindex", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    with eng.connect() as conn:
        blocks = conn.execute(select(schema.text_block.c.id)).all()
    assert json.loads(res.output) == {"reindexed_blocks": len(blocks)} and len(blocks) > 5
    assert {q: paths(db, q) for q in queries} == before
    if eng.dialect.name == "sqlite":  # an ingest on a store indexed by an older version indexes it again
        from izdesh.docs import index

        with eng.begin() as conn:
            conn.exec_driver_sql("DROP TABLE document_fts")
        index._ready.clear()
        with eng.begin() as conn:
            index.ensure_index(conn)
        assert {q: paths(db, q) for q in queries} == before


def test_filters(docs_db: str) -> None:
    assert paths(docs_db, "快牙", type="txt") == []  # stored type is "text"
    assert paths(docs_db, "快牙", type="text") == ["报告/报告_20180301.txt"]
    assert paths(docs_db, "快牙", type="docx,xlsx") == ["名单/名单.xlsx", "讲话/讲话_20170501.docx"]
    assert paths(docs_db, "快牙", folder="报告") == ["报告/报告_20180301.txt"]
    assert paths(docs_db, "快牙", folder="报") == []  # a folder, not a string prefix
    assert paths(docs_db, "快牙 OR 汉语", date_from="2018") == ["报告/报告_20180301.txt", "报告/通知_20190110.txt"]
    assert paths(docs_db, "快牙 OR 汉语", date_to="2018") == ["报告/报告_20180301.txt", "讲话/讲话_20170501.docx"]
    # documents that hold no person records: all but the list of persons
    assert paths(docs_db, "快牙 OR 汉语", public_only=True) == [
        "报告/报告_20180301.txt", "报告/通知_20190110.txt", "讲话/讲话_20170501.docx"]  # fmt: skip


def test_snippets_marked_and_escaped(docs_db: str) -> None:
    out = search_docs(open_engine(docs_db), "快牙 script", limit=5)
    r = out["results"][0]
    assert r["path"] == "讲话/讲话_20170501.docx" and r["locator"] == {"paragraph": 1}
    assert "<mark>快牙</mark>" in r["snippet"]
    assert "&lt;<mark>script</mark>&gt;" in r["snippet"]
    assert "<script" not in r["snippet"] and "&amp;" in r["snippet"]


def test_ranking_and_glossary(docs_db: str) -> None:
    out = search_docs(open_engine(docs_db), "快牙", limit=5)
    scores = [r["score"] for r in out["results"]]
    assert scores == sorted(scores, reverse=True)
    row = next(r for r in out["results"] if r["path"] == "名单/名单.xlsx")
    assert row["locator"] == {"sheet": "人员", "row": 1}
    keys = {g["key"]: g for g in row["glossary"]}
    assert "re_education" in keys or any(g["zh"] == "教育转化" for g in row["glossary"])
    zapya = next(g for g in row["glossary"] if "快牙" in g["zh"])
    assert "Zapya" in zapya["en"] and zapya["ug"]


def test_entities_in_speech(docs_db: str) -> None:
    out = search_docs(open_engine(docs_db), "开枪", limit=5)
    facets = out["facets"]
    assert {"value": "13812345678", "files": 1} in facets["phone"]
    assert {"value": "0999-4495713", "files": 1} in facets["phone"]
    officers = {v["value"] for v in facets["officer"]}
    assert officers == {"王建国", "李明"}
    res = CliRunner().invoke(docs, ["--entities", "officer", "--db", docs_db, "--json"])
    assert res.exit_code == 0, res.output
    items = {json.loads(line)["value"]: json.loads(line) for line in res.output.splitlines()}
    wang = items["王建国"]["details"][0]
    assert wang == {"unit": "疏附县公安局托克扎克镇派出所", "post": "所长", "rank": "一级警司",
                    "badge": "012345", "phone": "13812345678"}  # fmt: skip
    assert items["王建国"]["places"] == [{"path": "讲话/讲话_20170501.docx", "locator": {"paragraph": 2}}]


def test_cli_json_shape(docs_db: str) -> None:
    res = CliRunner().invoke(docs, ["开枪", "--db", docs_db, "--limit", "3", "--json"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert out["query"] == "开枪"
    assert len(out["results"]) == 1
    r = out["results"][0]
    assert {"path", "locator", "snippet", "score"} <= set(r)
    assert r["path"] == "讲话/讲话_20170501.docx" and r["locator"] == {"paragraph": 0}
    assert isinstance(r["score"], float) and "<mark>开枪</mark>" in r["snippet"]
    res = CliRunner().invoke(docs, ["--db", docs_db, "--json", "--", "-快牙"])
    assert res.exit_code == 2 and json.loads(res.output)["results"] == []


def test_documents_page(docs_db: str) -> None:
    from fastapi.testclient import TestClient

    from izdesh.web.app import create_app

    client = TestClient(create_app(docs_db))
    assert client.get("/documents").status_code == 200
    r = client.post("/documents", data={"q": "快牙 script"})
    assert r.status_code == 200, r.text[:500]
    assert "<mark>快牙</mark>" in r.text and "&lt;<mark>script</mark>&gt;" in r.text
    assert "<script>alert" not in r.text
    assert "Using the file-sharing app Zapya" in r.text  # glossary beside the snippet
    assert client.post("/zh/documents", data={"q": "开枪"}).status_code == 200
    api = client.post("/api/documents", json={"query": "开枪", "limit": 5}).json()
    assert [x["path"] for x in api["results"]] == ["讲话/讲话_20170501.docx"]
