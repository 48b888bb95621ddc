"""The thin end-to-end path on a generated leak: generate, ingest, measure against the truth,
search, serve. Figures are measured against the generator's answer key, not assumed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from izdesh.analysis.groundtruth import evaluate, read_jsonl
from izdesh.search.engine import search
from izdesh.store.db import open_engine
from izdesh.web.app import create_app

SPREADSHEETS = {"xlsx", "xls", "csv-gb18030", "csv-utf8-bom"}


def test_spreadsheet_mentions_recovered(built: tuple[Path, str]) -> None:
    leak, db = built
    rv = evaluate(open_engine(db, readonly=True), leak, formats=SPREADSHEETS)["table"]
    print(json.dumps({k: v for k, v in rv.as_dict().items() if k != "misses"}))
    assert rv.mentions > 1000
    assert rv.recall >= 0.995, rv.misses[:3]
    assert rv.precision >= 0.995
    assert rv.id_right / rv.found >= 0.995


def test_every_mugshot_tied_to_its_person(built: tuple[Path, str]) -> None:
    leak, db = built
    rv = evaluate(open_engine(db, readonly=True), leak, formats={"jpg"})["photo"]
    assert rv.mentions > 0 and rv.found == rv.mentions and rv.id_right == rv.mentions


def test_every_file_accounted_for(built: tuple[Path, str]) -> None:
    leak, db = built
    from sqlalchemy import select

    from izdesh.store import schema

    with open_engine(db, readonly=True).connect() as conn:
        fates = dict(conn.execute(select(schema.source_file.c.path, schema.source_file.c.status)).all())
    on_disk = {p.relative_to(leak).as_posix() for p in leak.rglob("*") if p.is_file()}
    assert set(fates) == {p for p in on_disk if not p.startswith("truth/")}
    for f in read_jsonl(leak / "truth" / "files.jsonl"):
        if f["state"] == "empty":
            assert fates[f["path"]] == "empty"
        if f["state"] in ("truncated", "encrypted"):
            assert fates[f["path"]] != "ok", f


def test_search_by_id_finds_sampled_persons(built: tuple[Path, str]) -> None:
    leak, db = built
    engine = open_engine(db, readonly=True)
    files = {f["path"]: f for f in read_jsonl(leak / "truth" / "files.jsonl")}
    clean = sorted(
        {
            m["id_number"]
            for m in read_jsonl(leak / "truth" / "mentions.jsonl")
            if m["kind"] == "table" and not m["id_damage"] and m["written_id"]
            and files[m["file"]]["format"] in SPREADSHEETS and files[m["file"]]["state"] == "ok"
        }
    )
    sample = random.Random(5).sample(clean, 300)
    hits = sum(1 for idn in sample if [r.id_number for r in search(engine, idn)[:1]] == [idn])
    assert hits / len(sample) >= 0.999
    # Partial: the first 14 digits and a wildcard find the person among the results.
    partial = sum(1 for idn in sample[:50] if idn in [r.id_number for r in search(engine, idn[:14] + "*", limit=100)])
    assert partial == 50


def test_site_serves_a_person(built: tuple[Path, str]) -> None:
    leak, db = built
    client = TestClient(create_app(db))
    files = {f["path"]: f for f in read_jsonl(leak / "truth" / "files.jsonl")}
    where: dict[str, set[str]] = {}
    for m in read_jsonl(leak / "truth" / "mentions.jsonl"):
        if m["kind"] == "table" and not m["id_damage"] and files[m["file"]]["format"] in SPREADSHEETS:
            where.setdefault(m["id_number"], set()).add(m["file"])
    idn, paths = max(sorted(where.items()), key=lambda kv: len(kv[1]))
    assert len(paths) >= 2
    page = client.post("/search", data={"q": idn})
    assert page.status_code == 200 and idn in page.text
    pid = client.post("/api/search", json={"query": idn}).json()["results"][0]["person_id"]
    html = client.get(f"/person/{pid}").text
    for path in paths:  # every source that names the person is shown on the page
        assert path in html


def test_demo_command_builds_a_store(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "izdesh.cli", "demo", "--dir", str(tmp_path), "--persons", "600", "--no-serve"],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "izdesh.sqlite").exists() and "persons" in r.stderr
