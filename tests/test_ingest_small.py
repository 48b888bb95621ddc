"""Ingest of a hand-made leak: every file accounted for, records traced to their cells."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from izdesh.ingest.pipeline import ingest
from izdesh.records.glossary import field_for, find_header_row
from izdesh.store import schema
from izdesh.store.db import open_engine
from tests.conftest import PEOPLE


def test_header_variants_map_to_fields() -> None:
    assert field_for("身份证号码") == "id_number"
    assert field_for(" 公民身份号码： ") == "id_number"
    assert field_for("户主身份证号") == "relative_of"
    assert field_for("乡（镇）") == "township"
    assert field_for("托克扎克镇重点人员名单二〇一七年") is None
    rows = [["某某镇人员名单", "", ""], ["", "", ""], ["序号", "姓名", "身份证号"], ["1", "x", "y"]]
    assert find_header_row(rows) == 2


def test_every_file_has_a_fate(small_leak: Path, small_db: str) -> None:
    with open_engine(small_db, readonly=True).connect() as conn:
        rows = {r.path: r for r in conn.execute(select(schema.source_file))}
    on_disk = {p.relative_to(small_leak).as_posix() for p in small_leak.rglob("*") if p.is_file()}
    assert set(rows) == on_disk
    assert rows["空文件.xlsx"].status == "empty"
    assert rows["截断.xlsx"].status == "corrupt" and rows["截断.xlsx"].type == "xlsx"
    assert rows["说明.bin"].status == "unsupported"
    assert rows["疏附县/人员名单.xlsx"].status == "ok"
    assert rows["导出.csv"].status == "ok"


def test_records_keep_cells_and_locators(small_db: str) -> None:
    r = schema.record
    with open_engine(small_db, readonly=True).connect() as conn:
        recs = conn.execute(select(r).order_by(r.c.id)).mappings().all()
    sheet = [x for x in recs if x["locator"].get("sheet") == "在押人员"]
    assert [x["name"] for x in sheet] == [p[0] for p in PEOPLE]
    first = sheet[0]
    assert first["locator"]["row"] == 2 and first["locator"]["id_col"] == 3
    assert first["id_number"] == PEOPLE[0][1] and first["id_valid"] == 1
    assert first["status"] == "教育转化" and first["reason"] == "使用快牙"
    assert first["raw"]["姓名"] == PEOPLE[0][0]
    lost = sheet[3]  # the Excel number: no full ID, a partial pattern that still holds the truth
    assert lost["id_number"] is None and lost["id_pattern"]
    assert all(c in ("?", t) for c, t in zip(lost["id_pattern"], PEOPLE[3][1], strict=True))
    bad = [x for x in recs if x["name"] == "不存在的人"][0]
    assert bad["id_valid"] == 0


def test_persons_one_per_valid_id(small_db: str) -> None:
    p = schema.person
    with open_engine(small_db, readonly=True).connect() as conn:
        persons = {row.id_number: row for row in conn.execute(select(p)) if row.id_number}
    assert set(persons) == {PEOPLE[0][1], PEOPLE[1][1], PEOPLE[2][1]}
    memet = persons[PEOPLE[0][1]]
    assert memet.records == 2 and memet.sex == "male" and str(memet.birth_date) == "1985-03-04"
    assert memet.id not in PEOPLE[0][1]  # opaque: the ID number is not in the person id


def test_reingest_skips_known_files(small_leak: Path, small_db: str) -> None:
    s = ingest([small_leak], small_db, progress=False)
    assert s.files == 0 and s.skipped == 5


def test_duplicate_content_is_marked(small_leak: Path, tmp_path: Path, new_store) -> None:  # type: ignore[no-untyped-def]
    copy = tmp_path / "copy"
    copy.mkdir()
    data = (small_leak / "导出.csv").read_bytes()
    (copy / "a.csv").write_bytes(data)
    (copy / "b.csv").write_bytes(data)
    db = new_store()
    ingest([copy], db, progress=False)
    with open_engine(db, readonly=True).connect() as conn:
        fates = dict(conn.execute(select(schema.source_file.c.path, schema.source_file.c.status)).all())
    assert fates == {"a.csv": "ok", "b.csv": "duplicate"}


def test_township_and_village_are_read_from_an_address_where_no_column_gives_them() -> None:
    from izdesh.ingest.tables import Sheet
    from izdesh.records.mapping import map_sheet
    from izdesh.records.values import place_from_address

    assert place_from_address("特克斯县呼吉尔特蒙古民族乡14村6组21号") == ("呼吉尔特蒙古民族乡", "14村")
    assert place_from_address("新疆喀什地区疏附县托克扎克镇喀拉托喀依村6组171号") == ("托克扎克镇", "喀拉托喀依村")
    assert place_from_address("国外") == (None, None)
    rows = [["姓名", "身份证号码", "住址", "村"],
            ["阿依古丽", "653121199005120223", "疏附县兰干镇1村4组36号", ""],
            ["买买提", "653121198503040117", "疏附县兰干镇1村4组36号", "2村"]]
    _, recs = map_sheet(Sheet("s", rows))
    assert (recs[0].fields["township"], recs[0].fields["village"]) == ("兰干镇", "1村")
    assert "township_from_address" in recs[0].flags
    assert recs[1].fields["village"] == "2村"  # a village column wins over the address
