"""OCR deferred (IZDESH_OCR=defer): scans are stored at once, queued, and a later run with OCR on
completes the queue to exactly the store an ingest with OCR would have made."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from izdesh.ingest import ocr_queue
from izdesh.ingest.pipeline import ingest
from izdesh.store import schema
from izdesh.store.db import open_engine
from izdesh.store.digest import content
from tests.test_ingest_documents import LINE, MEMET, _scan_image

pytestmark = pytest.mark.skipif(os.environ.get("IZDESH_OCR", "1") == "0", reason="OCR switched off")


@pytest.fixture
def leak(tmp_path: Path) -> Path:
    d = tmp_path / "leak"
    d.mkdir()
    pages = [_scan_image(["收押审批表", f"据群众举报，{LINE}，男"], (1240, 1754)), _scan_image(["第2页"], (1240, 1754))]
    pages[0].save(d / "扫描件.pdf", save_all=True, append_images=pages[1:], resolution=150)
    _scan_image(["疏附县公安局", LINE]).save(d / "照片.png")
    (d / "名单.csv").write_text("姓名,身份证号\n阿依古丽,653121199001010010\n", encoding="utf-8")
    _scan_image([LINE]).save(tmp_path / "inner.png")
    with zipfile.ZipFile(d / "包.zip", "w") as zf:  # a member: OCR'd as it is read, never queued
        zf.write(tmp_path / "inner.png", "inner.png")
    return d


def _files(db: str) -> dict[str, tuple[str, str | None]]:
    f = schema.source_file
    with open_engine(db, readonly=True).connect() as conn:
        return {p: (s, r) for p, s, r in conn.execute(select(f.c.path, f.c.status, f.c.reason))}


def test_deferred_ocr_completes_to_the_store_of_an_ocr_run(
    leak: Path, new_store: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IZDESH_OCR", "1")
    whole = new_store()
    ingest([leak], whole, workers=1, progress=False)

    queued = new_store()
    monkeypatch.setenv("IZDESH_OCR", "defer")
    s = ingest([leak], queued, workers=1, progress=False)
    files = _files(queued)
    for p in ("扫描件.pdf", "照片.png"):
        assert files[p][0] == "partial" and files[p][1].startswith("OCR deferred:"), files[p]
    assert files["包.zip!inner.png"][0] == "ok"
    assert len(ocr_queue.queued(open_engine(queued))) == 2
    assert s.records == 2  # the CSV's person and the member's OCR'd line; the queued scans' wait

    monkeypatch.setenv("IZDESH_OCR", "0")  # OCR off: the queue stays as it is
    assert ocr_queue.complete(open_engine(queued)) == 0

    monkeypatch.setenv("IZDESH_OCR", "1")
    s = ingest([leak], queued, workers=1, progress=False)  # a resumed ingest completes the queue
    assert s.skipped == 4 and s.ocr_done == 2 and not s.integrity
    assert ocr_queue.queued(open_engine(queued)) == []
    a, b = content(open_engine(whole, readonly=True)), content(open_engine(queued, readonly=True))
    for table in a:
        assert a[table] == b[table], table
    assert any(MEMET in line and '"kind": "ocr"' in line and "扫描件.pdf" in line for line in b["record"])


def test_the_cli_defers_and_then_completes_ocr(leak: Path, new_store: Callable[[], str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`izdesh ingest --ocr defer` then `izdesh ocr`: the commands a user runs, not the library."""
    from click.testing import CliRunner

    from izdesh.cli import main

    monkeypatch.delenv("IZDESH_OCR", raising=False)
    db = new_store()
    r = CliRunner().invoke(main, ["ingest", str(leak), "--db", db, "--workers", "1", "--quiet", "--ocr", "defer"])
    assert r.exit_code == 0, r.output
    assert len(ocr_queue.queued(open_engine(db))) == 2
    r = CliRunner().invoke(main, ["ocr", "--db", db, "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "2 queued files read with OCR" in r.output
    assert ocr_queue.queued(open_engine(db)) == []
    assert all(not (reason or "").startswith("OCR deferred:") for _s, reason in _files(db).values())
