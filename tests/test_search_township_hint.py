"""The township a family remembers, as a hint (issue 5): typed in any script, it ranks persons the
records place there first and leaves nobody out. Through the CLI, the JSON API and the search form
(a plain POST, no JavaScript), on a hand-made leak of namesakes born the same year."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable

import pytest
import xlsxwriter
from fastapi.testclient import TestClient

from izdesh.search import engine as search_engine
from izdesh.search.engine import Filters, search
from izdesh.search.township import match_township, resolve_township_hint
from izdesh.store.db import open_engine
from izdesh.web.app import create_app
from tests.conftest import make_id

# Three men written 买买提·吐尔逊, born 1985: one the records place in 托克扎克镇 (Toqquzaq), one in
# 乌帕尔镇 (Upal), one with no township. Without a hint the stable order puts the Toqquzaq man first.
TOQQUZAQ = make_id("653121", "19850304", 101)
UPAL = make_id("653121", "19850610", 102)
NOWHERE = make_id("653121", "19851111", 103)
QUERY = "Memet Tursun 1985"
# Two women born 1990 whom a family writes Patime Tursun: 帕提玛 (Toqquzaq) reads a little closer to
# "Patime" than 帕提曼 (Upal), two spellings of one name.
PATIME_TOQQUZAQ = make_id("653121", "19900201", 202)
PATIME_UPAL = make_id("653121", "19900505", 204)


@pytest.fixture(scope="module")
def namesakes_db(
    tmp_path_factory: pytest.TempPathFactory, new_store: Callable[[], str]
) -> str:
    from izdesh.ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("namesakes")
    wb = xlsxwriter.Workbook(root / "名单.xlsx")
    ws = wb.add_worksheet("人员")
    ws.write_row(0, 0, ["序号", "姓名", "性别", "身份证号码", "乡镇", "村"])
    ws.write_row(1, 0, [1, "买买提·吐尔逊", "男", TOQQUZAQ, "托克扎克镇", "皮拉勒村"])
    ws.write_row(2, 0, [2, "买买提·吐尔逊", "男", UPAL, "乌帕尔镇", "阿热阔坦村"])
    ws.write_row(
        3, 0, [3, "帕提玛·吐尔逊", "女", PATIME_TOQQUZAQ, "托克扎克镇", "皮拉勒村"]
    )
    ws.write_row(
        4, 0, [4, "帕提曼·吐尔逊", "女", PATIME_UPAL, "乌帕尔镇", "阿热阔坦村"]
    )
    wb.close()
    with (root / "导出.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["姓名", "公民身份号码"])
        w.writerow(["买买提·吐尔逊", NOWHERE])
    db = new_store()
    ingest([root], db, workers=1, progress=False)
    return db


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "izdesh.cli", *args],
        capture_output=True,
        text=True,
        check=True,
    )


def test_match_township_reads_any_script() -> None:
    towns = ("托克扎克镇", "乌帕尔镇", "布拉克苏乡", "阔克铁热克柯尔克孜民族乡")
    for typed, want in [
        ("Toqquzaq", "托克扎克镇"),
        ("tokkuzak yezisi", "托克扎克镇"),
        ("توققۇزاق", "托克扎克镇"),
        ("Упал", "乌帕尔镇"),
        ("Opal township", "乌帕尔镇"),
        ("托克扎克", "托克扎克镇"),
        ("Bulaqsu", "布拉克苏乡"),
        ("Kök Terek", "阔克铁热克柯尔克孜民族乡"),
    ]:
        assert match_township(typed, towns) == want, typed
    for typed in ("", "   ", "Beijing", "☃☃"):
        assert match_township(typed, towns) is None, typed


def test_cli_township_hint_ranks_first_and_keeps_everyone(namesakes_db: str) -> None:
    plain = json.loads(cli("search", QUERY, "--db", namesakes_db, "--json").stdout)[
        "results"
    ]
    assert [r["id_number"] for r in plain][:1] == [TOQQUZAQ]
    for hint, first in (("Upal", UPAL), ("ئوپال", UPAL), ("Toqquzaq", TOQQUZAQ)):
        out = json.loads(
            cli(
                "search", QUERY, "--db", namesakes_db, "--township-hint", hint, "--json"
            ).stdout
        )
        ids = [r["id_number"] for r in out["results"]]
        assert ids[0] == first, (hint, out)
        assert set(ids) == {TOQQUZAQ, UPAL, NOWHERE}  # a hint, not a filter
        assert set(out) == {"query", "results"}  # the JSON shape of CLI.md
    unknown = cli(
        "search", QUERY, "--db", namesakes_db, "--township-hint", "Beijing", "--json"
    )
    assert "no township" in unknown.stderr
    assert {r["id_number"] for r in json.loads(unknown.stdout)["results"]} == {
        TOQQUZAQ,
        UPAL,
        NOWHERE,
    }


def test_api_township_hint(namesakes_db: str) -> None:
    client = TestClient(create_app(namesakes_db))
    res = client.post(
        "/api/search",
        json={"query": "Memet Tursun", "birth_year": 1985, "township_hint": "Upal"},
    )
    assert res.status_code == 200
    ids = [r["id_number"] for r in res.json()["results"]]
    assert ids[0] == UPAL and set(ids) == {TOQQUZAQ, UPAL, NOWHERE}
    assert "township_hint" in json.dumps(
        client.get("/openapi.json").json()["components"]
    )


def test_search_form_township_hint_without_javascript(namesakes_db: str) -> None:
    client = TestClient(create_app(namesakes_db))
    assert 'name="township_hint"' in client.get("/").text
    page = client.post("/search", data={"q": QUERY, "township_hint": "Упал"})
    assert page.status_code == 200
    results = page.text.split('<ol class="results">', 1)[1]
    items = results.split('<li class="result">')[1:]
    place = '<dd lang="zh">乌帕尔镇'  # the Place line of a result (its reason names the hint in every one)
    assert len(items) == 3 and place in items[0] and place not in items[1] + items[2]
    assert 'value="Упал"' in page.text  # the form keeps what was typed
    assert 'id="township-hint-note"' not in page.text
    unknown = client.post("/search", data={"q": QUERY, "township_hint": "Beijing"})
    assert unknown.status_code == 200 and 'id="township-hint-note"' in unknown.text
    assert (
        unknown.text.split('<ol class="results">', 1)[1].count('<li class="result">')
        == 3
    )


def test_hint_outweighs_a_spelling_variant_not_a_person(namesakes_db: str) -> None:
    engine = open_engine(namesakes_db, readonly=True)
    plain = search(engine, "Patime Tursun 1990")
    assert [r.id_number for r in plain[:2]] == [PATIME_TOQQUZAQ, PATIME_UPAL]
    assert (
        plain[0].score - plain[1].score < search_engine.HINT_MARGIN
    )  # spellings of one name
    upal = resolve_township_hint(engine, "Upal")
    hinted = search(engine, "Patime Tursun 1990", filters=Filters(township_hint=upal))
    assert [r.id_number for r in hinted[:2]] == [PATIME_UPAL, PATIME_TOQQUZAQ]
