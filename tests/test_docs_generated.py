"""Full-text search against the generator's own words: recall of two- and three-character words on
the generated leak (both engines), beside a trigram index that cannot find two-character words;
entities extracted from generated speeches."""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import docx
import pytest

from bench.docs import original_texts, pool_words, recall, trigram_index, truth_files
from izdesh.docs.entities import entities_in
from izdesh.generate.documents import write_speech_docx
from izdesh.ingest.extract import extract
from izdesh.store.db import open_engine


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_entities_in_generated_speech(tmp_path: Path, seed: int) -> None:
    path = tmp_path / "讲话.docx"
    write_speech_docx(path, random.Random(seed), title_zh="在全县反恐维稳工作会议上的讲话", date=date(2017, 5, 1))
    # What the generator wrote, read back with python-docx: "<unit><post> <name>（<rank>），联系电话：<phone>"
    want = {}
    for p in docx.Document(str(path)).paragraphs:
        m = re.fullmatch(r"(\S+) (\S+)（(\S+)），联系电话：(\S+)", p.text)
        if m:
            want[m.group(2)] = (m.group(3), m.group(4), m.group(1))
    res = extract(path, "讲话.docx")
    got = {}
    phones = set()
    for b in res.blocks:
        for kind, value, extra in entities_in(b["text"]):
            if kind == "officer":
                got[value] = (extra.get("rank"), extra.get("phone"), extra["unit"] + extra["post"])
            if kind == "phone":
                phones.add(value)
    assert {k: v for k, v in got.items() if k in want} == want
    assert {ph for _r, ph, _u in want.values()} <= phones


def test_recall_of_short_words_on_generated_leak(built: tuple[Path, str]) -> None:
    leak, db = built
    engine = open_engine(db)
    rng = random.Random(7)
    texts = original_texts(leak)
    tri = trigram_index(engine)
    for n in (2, 3):
        words = pool_words(rng, 60, n)
        truth = truth_files(words, texts)
        r = recall(engine, words, truth, tri)
        assert r["pairs"] > 50
        assert r["recall"] >= 0.99, r["missed"]
        if n == 2:
            assert r["trigram_recall"] == 0.0  # a trigram index cannot find a two-character word
        else:
            assert r["trigram_recall"] >= 0.99
