"""export: CSV and JSON Lines hold every person, record and file; FollowTheMoney entities validate
with the followthemoney library (schema, property types, required properties, references)."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from izdesh.analysis.commands import export as export_cmd
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.test_evidence_fixtures import gen_store  # noqa: F401  (a fixture)


def _counts(db: str) -> dict:
    with open_engine(db, readonly=True).connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(getattr(schema, t))).scalar_one()
                for t in ("person", "record", "source_file")}


def _valid_persons(db: str) -> int:
    with open_engine(db, readonly=True).connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.person)
                            .where(schema.person.c.id_number.is_not(None))).scalar_one()


def _relative_links(db: str) -> int:
    with open_engine(db, readonly=True).connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.link)
                            .where(schema.link.c.kind == "relative")).scalar_one()


def _run(db: str, fmt: str, out) -> None:
    res = CliRunner().invoke(export_cmd, ["--db", db, "--format", fmt, "--out", str(out)])
    assert res.exit_code == 0, res.output


def test_csv(gen_store: dict, tmp_path) -> None:
    out = tmp_path / "x.csv"
    _run(gen_store["db"], "csv", out)
    n = _counts(gen_store["db"])
    persons = list(csv.DictReader(out.open(encoding="utf-8")))
    records = list(csv.DictReader((tmp_path / "x.records.csv").open(encoding="utf-8")))
    files = list(csv.DictReader((tmp_path / "x.files.csv").open(encoding="utf-8")))
    assert (len(persons), len(records), len(files)) == (n["person"], n["record"], n["source_file"])
    assert (tmp_path / "x.links.csv").exists()
    ids = {p["person_id"] for p in persons}
    assert all(r["person_id"] in ids for r in records if r["person_id"])
    assert all(len(p["id_number"]) == 18 for p in persons if p["id_number"])
    assert all(r["file_path"] for r in records) and all(json.loads(r["locator"]) is not None for r in records)


def test_jsonl(gen_store: dict, tmp_path) -> None:
    out = tmp_path / "x.jsonl"
    _run(gen_store["db"], "jsonl", out)
    n = _counts(gen_store["db"])
    types: dict[str, int] = {}
    for line in out.open(encoding="utf-8"):
        o = json.loads(line)
        types[o["type"]] = types.get(o["type"], 0) + 1
    assert types.get("person") == n["person"] and types.get("record") == n["record"]
    assert types.get("file") == n["source_file"]


def test_ftm_validates(gen_store: dict, tmp_path) -> None:
    fm = pytest.importorskip("followthemoney")
    model = fm.model
    out = tmp_path / "x.ftm.json"
    _run(gen_store["db"], "ftm", out)
    ents = [json.loads(line) for line in out.open(encoding="utf-8")]
    ids = {e["id"] for e in ents}
    assert len(ids) == len(ents), "entity ids are unique"
    by_schema: dict[str, int] = {}
    for e in ents:
        sch = model.get(e["schema"])
        assert sch is not None, e["schema"]
        sch.validate(e)  # raises InvalidData
        for prop, values in e["properties"].items():
            p = sch.properties.get(prop)
            assert p is not None, (e["schema"], prop)
            for v in values:
                if p.type.name == "entity":
                    assert v in ids, (e["schema"], prop, v)  # references resolve
                else:
                    assert p.type.clean(v) is not None, (prop, v)  # a valid value of its type
        for req in sch.required:
            assert e["properties"].get(req), (e["schema"], req)
        proxy = model.get_proxy(e)
        assert proxy.schema.name == e["schema"]
        by_schema[e["schema"]] = by_schema.get(e["schema"], 0) + 1
    n = _counts(gen_store["db"])
    assert by_schema["Person"] == n["person"] and by_schema["Document"] == n["source_file"]
    persons = [e for e in ents if e["schema"] == "Person"]
    assert all(p["properties"].get("name") for p in persons)
    with_id = [p for p in persons if p["properties"].get("idNumber")]
    assert len(with_id) == _valid_persons(gen_store["db"])
    assert all(len(p["properties"]["idNumber"][0]) == 18 for p in with_id)
    fam = [e for e in ents if e["schema"] == "Family"]
    assert len(fam) == _relative_links(gen_store["db"])
    assert by_schema.get("Documentation", 0) >= n["person"]


@pytest.mark.parametrize("fmt", ["csv", "ftm"])
def test_chunks_change_nothing(gen_store: dict, tmp_path, monkeypatch, fmt: str) -> None:
    """Persons stream in chunks by id (bounded memory): small chunks give the same persons, names
    and mentions as one chunk holding every person."""
    from izdesh.analysis import export

    n = _counts(gen_store["db"])["person"]

    def lines(chunk: int, out) -> list[str]:
        monkeypatch.setattr(export, "PERSON_CHUNK", chunk)
        export.run(open_engine(gen_store["db"], readonly=True), fmt, out)
        return sorted(out.read_text(encoding="utf-8").splitlines())

    one = lines(n + 1, tmp_path / f"one.{fmt}")
    many = lines(97, tmp_path / f"many.{fmt}")
    assert one == many and len(one) > n
