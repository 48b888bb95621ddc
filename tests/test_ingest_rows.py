"""Records prepared as rows in the readers (izdesh.ingest.rows) land exactly as SQLAlchemy's own
insert of the same records writes them, JSON text and dates included, on both engines; and the
writer's batched transactions keep every file and record of a run."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Text, cast, func, select

from izdesh.ingest.rows import COLUMNS, FIELDS, RECORD_AS_TEXT, record_rows
from izdesh.ingest.tables import Sheet
from izdesh.records.mapping import RecordOut, map_sheet
from izdesh.store import schema
from izdesh.store.bulk import insert_rows
from izdesh.store.db import open_engine

FILE = {"sha256": "0" * 64, "size": 1, "type": "xlsx", "status": "ok", "records": 0}


def _records() -> list[RecordOut]:
    sheet = Sheet("名单", [
        ["在押人员名单"],
        ["姓名", "身份证号", "出生日期", "性别", "住址", "备注"],
        ["买买提·吐尔逊", "65312119850304011X", "1985-03-04", "男", "疏附县托克扎克镇阿亚格村", 'a "b"\nc\t\\N'],
        ["阿依古丽", 653121198503040, None, "女", None, None],  # an ID that lost digits as a number
    ])  # fmt: skip
    _report, recs = map_sheet(sheet)
    recs.append(RecordOut("photo", {"taken_at": "2018-01-02T03:04:05"}, {"file_name": "x.jpg"},
                          {"id_raw": "65312119850304011X"}))  # fmt: skip
    recs.append(RecordOut("text", {"paragraph": 2, "start": 0, "end": 4}, {}, {"name": "张三", "text": "\\.\r\n"},
                          ["no_id"]))  # fmt: skip
    return recs


def _stored(conn, file_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    r = schema.record
    cols = [r.c.table_id, *(r.c[c] for c in COLUMNS), *(cast(r.c[c], Text) for c in ("locator", "raw", "flags"))]
    return [tuple(x) for x in conn.execute(select(*cols).where(r.c.file_id == file_id).order_by(r.c.id))]


def test_prepared_rows_store_what_sqlalchemy_stores(new_store: Callable[[], str]) -> None:
    recs = _records()
    assert any(isinstance(r.fields.get("birth_date"), date) for r in recs), "the sheet must give a date"
    engine = open_engine(new_store(), create=True)
    with engine.begin() as conn:
        a, b = (conn.execute(schema.source_file.insert().values({**FILE, "path": p})).inserted_primary_key[0]
                for p in ("a.xlsx", "b.xlsx"))  # fmt: skip
        conn.execute(schema.record.insert(), [
            {"file_id": a, "kind": r.kind, "locator": r.locator, "raw": r.raw, "flags": r.flags or None,
             **{k: r.fields.get(k) for k in FIELDS}} for r in recs])  # fmt: skip
        rows = record_rows(recs)
        insert_rows(conn, RECORD_AS_TEXT, ("file_id", "table_id", *COLUMNS),
                    [(b, None, *values) for _sheet, values in rows])  # fmt: skip
    with engine.connect() as conn:
        theirs, ours = _stored(conn, a), _stored(conn, b)
    assert ours == theirs
    assert [s for s, _ in rows] == ["名单", "名单", None, None]  # table records name their sheet
    first = dict(zip(("table_id", *COLUMNS), ours[0]))
    assert first["birth_date"] == date(1985, 3, 4) and first["raw"]["备注"] == 'a "b"\nc\t\\N'
    assert ours[-1][-1] == json.dumps(["no_id"]) and ours[2][-1] == "null"  # no flags: JSON null


def test_batched_writes_keep_every_file_and_record(tmp_path: Path, new_store: Callable[[], str], monkeypatch) -> None:
    """Files are written many to a transaction: a run still stores each file once, with its
    records, its claims dropped, and reports where its time went."""
    from izdesh.ingest import pipeline

    monkeypatch.setenv("IZDESH_OCR", "0")
    monkeypatch.setattr(pipeline, "BATCH_FILES", 4)  # several batches, the last one partial
    for i in range(10):
        (tmp_path / f"f{i}.csv").write_text(f"姓名,身份证号\n买买提{i},65312119900101001{i % 10}\n", encoding="utf-8")
    (tmp_path / "same.csv").write_text("姓名,身份证号\n买买提0,653121199001010010\n", encoding="utf-8")
    phases = tmp_path.parent / f"{tmp_path.name}-phases.json"
    monkeypatch.setenv("IZDESH_INGEST_PHASES", str(phases))
    db = new_store()
    s = pipeline.ingest([tmp_path], db, workers=2, progress=False)
    assert s.files == 11 and s.records == 10 and s.by_status == {"ok": 10, "duplicate": 1}
    engine = open_engine(db, readonly=True)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.source_file)).scalar() == 11
        assert conn.execute(select(func.count()).select_from(schema.record)).scalar() == 10
        assert conn.execute(select(func.count()).select_from(schema.claim)).scalar() == 0
    got = json.loads(phases.read_text())
    assert {"read_write", "write", "persons", "name_index", "integrity"} <= set(got)
    assert 0 < got["write"]["wall"] <= got["read_write"]["wall"]
