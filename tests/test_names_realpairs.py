"""Measured recall on real name pairs of public figures (izdesh/names/data/real_pairs.tsv).
Thresholds are set a little under what the engine achieved when written (printed with -s)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import names_realpairs as bench  # noqa: E402


@pytest.fixture(scope="module")
def result() -> dict:
    res = bench.run(confidence=None, distractors=False)
    print("\n" + bench.table(res))
    return res


def test_real_pairs_file_is_well_formed() -> None:
    rows = bench.load_pairs()
    assert len(rows) >= 120
    assert all(r["zh"] and r["latin"] and r["source"] for r in rows)
    assert len({r["zh"] for r in rows}) == len(rows)


@pytest.mark.parametrize(
    "script, at1",
    [("english", 0.95), ("uly", 0.97), ("arabic", 0.97), ("cyrillic", 0.97)],
)
def test_recall_at_1(result: dict, script: str, at1: float) -> None:
    s = result["stats"][script]
    recall = s["ours@1"] / s["n"]
    assert recall >= at1, (script, recall)
    assert s["ours@10"] / s["n"] >= 0.99


def test_beats_baseline(result: dict) -> None:
    for script in ("english", "uly"):
        s = result["stats"][script]
        assert s["ours@1"] > s["base@1"]


def test_key_recall(result: dict) -> None:
    for script in ("english", "uly", "arabic", "cyrillic"):
        s = result["stats"][script]
        assert s["keys"] / s["n"] >= 0.95, script
