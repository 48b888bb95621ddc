"""The command line contract (CLI.md) on the hand-made leak, through the installed entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PEOPLE

IZDESH = [sys.executable, "-m", "izdesh.cli"]


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IZDESH, *args], capture_output=True, text=True, check=check)


def test_files_json(small_db: str, small_leak: Path) -> None:
    lines = [json.loads(x) for x in run("files", "--db", small_db, "--json").stdout.splitlines()]
    assert len(lines) == sum(1 for p in small_leak.rglob("*") if p.is_file())
    for line in lines:
        assert {"path", "sha256", "type", "status", "reason"} <= set(line)


def test_search_json_and_batch(small_db: str, tmp_path: Path) -> None:
    out = json.loads(run("search", PEOPLE[2][1], "--db", small_db, "--json").stdout)
    assert out["query"] == PEOPLE[2][1]
    assert out["results"][0]["id_number"] == PEOPLE[2][1]
    assert {"person_id", "id_number", "name", "score", "why"} <= set(out["results"][0])
    batch = tmp_path / "q.txt"
    batch.write_text(f"{PEOPLE[0][1]}\n\n??\n{PEOPLE[1][1]}\n", encoding="utf-8")
    lines = [json.loads(x) for x in run("search", "--batch", str(batch), "--db", small_db, "--json").stdout.splitlines()]
    assert [x["query"] for x in lines] == [PEOPLE[0][1], "??", PEOPLE[1][1]]
    assert lines[1]["results"] == [] and lines[1]["error"]
    assert lines[2]["results"][0]["id_number"] == PEOPLE[1][1]


def test_person_json(small_db: str) -> None:
    p = json.loads(run("person", PEOPLE[0][1], "--db", small_db, "--json").stdout)
    assert p["id_number"] == PEOPLE[0][1]
    assert {"person_id", "names", "records", "relatives", "photos"} <= set(p)
    assert {r["file"]["path"] for r in p["records"]} == {"疏附县/人员名单.xlsx", "导出.csv"}


def test_id_json() -> None:
    d = json.loads(run("id", PEOPLE[2][1], "--json").stdout)
    assert d["valid"] and d["normalized"] == PEOPLE[2][1] and d["birth_date"] == "1976-01-01"
    assert d["sex"] == "male" and d["region_code"] == "654027"
    bad = run("id", PEOPLE[2][1][:-1] + ("0" if PEOPLE[2][1][-1] != "0" else "1"), "--json", check=False)
    assert json.loads(bad.stdout)["valid"] is False


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    r = run("search", "653121", "--db", str(tmp_path / "none.sqlite"), check=False)
    assert r.returncode != 0 and "no such store" in r.stderr and "Traceback" not in r.stderr


def test_search_by_name_in_other_scripts_with_filters(small_db: str) -> None:
    def ids(*args: str) -> list[str]:
        out = json.loads(run("search", *args, "--db", small_db, "--json").stdout)
        return [r["id_number"] for r in out["results"]]

    memet = PEOPLE[0][1]
    for q in ("Memet Tursun", "مەمەت تۇرسۇن", "Мәмәт Турсун", "Maimaiti Tuerxun", "Mehmet Tursun"):
        assert ids(q)[:1] == [memet], q
    assert ids("Memet Tursun", "--birth-year", "1980-1986") == [memet]
    assert memet not in ids("Memet Tursun", "--birth-year", "1990")
    assert memet not in ids("Memet Tursun", "--sex", "female")
    assert ids("Memet Tursun", "--village", "阿亚格曼干")[:1] == [memet]
    bad = run("search", "Memet", "--birth-year", "soon", "--db", small_db, check=False)
    assert bad.returncode == 2 and "--birth-year" in bad.stderr
