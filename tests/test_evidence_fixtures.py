"""A generated leak and its store, shared by the evidence tests (built once per test session: the
folder under pytest's base temp is reused by every module that imports ``gen_store``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PERSONS = 3000
SEED = 4


def build_gen_store(base: Path) -> dict:
    from izdesh.generate.leak import generate
    from izdesh.ingest.pipeline import ingest

    root = base / "evidence_gen"
    leak, db, done = root / "leak", root / "store.sqlite", root / "done"
    if not done.exists():
        old = os.environ.get("IZDESH_OCR")
        os.environ["IZDESH_OCR"] = "0"  # scans stay unread: keeps the session short; nothing here needs OCR
        try:
            generate(leak, persons=PERSONS, seed=SEED, progress=False)
            ingest([leak], str(db), workers=1, progress=False, exclude=("truth/*",))
        finally:
            if old is None:
                os.environ.pop("IZDESH_OCR", None)
            else:
                os.environ["IZDESH_OCR"] = old
        done.write_text("ok")
    return {"leak": leak, "db": str(db)}


@pytest.fixture(scope="session")
def gen_store(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return build_gen_store(tmp_path_factory.getbasetemp())


def test_gen_store_has_persons(gen_store: dict) -> None:
    from sqlalchemy import func, select

    from izdesh.store import schema
    from izdesh.store.db import open_engine

    with open_engine(gen_store["db"], readonly=True).connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.person)).scalar_one() > PERSONS // 2
