"""verify: planted EXIF clock offsets, exact and near-duplicate photos, ID checks, all found.

The photos are written by the generator's own mugshot writer (with higher offset rates so a small
set holds enough of them), then ingested by the real ingester; the truth the writer returns is the
answer key. Nothing here reads the store's internals to decide what is right.
"""

from __future__ import annotations

import io
import json
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from izdesh.analysis import phash, verify
from izdesh.analysis.commands import verify as verify_cmd
from tests.test_evidence_fixtures import gen_store  # noqa: F401  (a fixture)

N_MUGSHOTS = 90


def _persons(n: int) -> list:
    from izdesh.generate.model import Person

    rng = random.Random(7)
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    out = []
    for i in range(n):
        born = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 50))
        body = f"653121{born:%Y%m%d}{100 + i:03d}"
        idn = body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
        sex = "male" if int(body[-1]) % 2 else "female"
        out.append(Person(i, idn, "买买提·吐尔逊", "Memet Tursun", "Memet", "Tursun", sex, born.date(), "维吾尔族",
                          "653121", "托克扎克镇", "阿亚格曼干村", 1, "户主"))
    return out


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return plant(tmp_path_factory.mktemp("photos"))


def plant(root: Path) -> dict:
    from izdesh.generate import photos
    from izdesh.ingest.pipeline import ingest

    leak = root / "leak"
    folder = leak / "疏附县" / "照片"
    folder.mkdir(parents=True)
    rng = random.Random(11)
    old = photos.EXIF_SECONDS_RATE, photos.EXIF_ZONE_RATE
    photos.EXIF_SECONDS_RATE, photos.EXIF_ZONE_RATE = 0.15, 0.12  # more planted offsets than the leak's 4% + 1.5%
    truth: dict[str, int] = {}
    try:
        for p in _persons(N_MUGSHOTS):
            taken = datetime(2018, 1, 5, 9, 0) + timedelta(minutes=rng.randrange(0, 60 * 24 * 180))
            path, m = photos.write_mugshot(folder, p, taken, rng, rel_dir="疏附县/照片")
            for d in m.id_damage:
                if d.startswith("exif_time_offset:"):
                    truth[m.file] = int(d.split(":")[1].rstrip("s"))
    finally:
        photos.EXIF_SECONDS_RATE, photos.EXIF_ZONE_RATE = old
    files = sorted(folder.glob("*.jpg"))
    # An exact copy under another name, and a re-encoded, resized copy of another photo.
    dup_src, near_src = files[3], files[5]
    (leak / "副本").mkdir()
    shutil.copy(dup_src, leak / "副本" / "copy.jpg")
    with Image.open(near_src) as im:
        im = im.convert("RGB").resize((im.width * 3 // 4, im.height * 3 // 4))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=55)
    (leak / "副本" / "resaved.jpg").write_bytes(buf.getvalue())
    db = str(root / "store.sqlite")
    ingest([leak], db, workers=1, progress=False)
    return {"leak": leak, "db": db, "truth": truth, "dup": (dup_src, "副本/copy.jpg"),
            "near": (near_src, "副本/resaved.jpg")}


def _report(planted: dict) -> dict:
    from izdesh.store.db import open_engine

    return verify.run(open_engine(planted["db"], readonly=True), leak=[planted["leak"]])


def test_planted_exif_offsets_all_found_exactly(planted: dict) -> None:
    rep = _report(planted)
    truth = planted["truth"]
    assert len(truth) >= 10, "the fixture should plant enough offsets to measure"
    found = {f["file"]: f["offset_seconds"] for f in rep["findings"].get("exif_time_offset", [])}
    missed = set(truth) - set(found)
    false = set(found) - set(truth)
    assert not missed and not false, (missed, false)
    assert found == truth  # the right number of seconds, every one
    for f in rep["findings"]["exif_time_offset"]:
        want = "time_zone" if abs(truth[f["file"]]) >= 3600 else "seconds"
        assert f["offset_kind"] == want
        # each finding links to the photo's record (a byte-identical copy has none: the ingester
        # keeps one row for the content, so the finding names the file)
        assert f["records"] or f["file_status"] == "duplicate", f
    assert rep["photos"]["with_time_in_name"] == N_MUGSHOTS
    assert set(rep["photos"]["makes"]) <= {"Canon", "NIKON CORPORATION", "HIKVISION"}


def test_duplicates_found_and_no_false_near_duplicates(planted: dict) -> None:
    rep = _report(planted)
    leak = planted["leak"]
    dup_src, dup = planted["dup"]
    exact = rep["findings"].get("exact_duplicate", [])
    assert len(exact) == 1 and set(exact[0]["files"]) == {dup_src.relative_to(leak).as_posix(), dup}
    near_src, near = planted["near"]
    pairs = [set(f["files"]) for f in rep["findings"].get("near_duplicate_photo", [])]
    assert pairs == [{near_src.relative_to(leak).as_posix(), near}], pairs  # found, and nothing else
    assert rep["duplicates"]["hashed_photos"] == N_MUGSHOTS + 2


def test_hash_separates_different_people(planted: dict) -> None:
    """No two different mugshots come near each other; re-encoded, resized, blurred and greyscale
    copies do. (A 6-pixel crop is found only sometimes: see phash's docstring; not asserted.)"""
    from PIL import ImageFilter

    files = sorted((planted["leak"] / "疏附县" / "照片").glob("*.jpg"))
    hashes = {f.name: phash.phash(f) for f in files}
    assert phash.near_pairs(hashes) == [], "different people taken for near duplicates"
    for f in files[:15]:
        with Image.open(f) as im:
            im = im.convert("RGB")
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=40)
            variants = {"q40": Image.open(io.BytesIO(buf.getvalue())), "half": im.resize((im.width // 2, im.height // 2)),
                        "blur": im.filter(ImageFilter.GaussianBlur(1)), "grey": im.convert("L").convert("RGB")}
            for name, v in variants.items():
                pairs = phash.near_pairs({"orig": hashes[f.name], name: phash.phash(v)})
                assert len(pairs) == 1, (f.name, name)


def test_cli_json_and_html(planted: dict, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "report.html"
    res = runner.invoke(verify_cmd, ["--db", planted["db"], "--json", "--leak", str(planted["leak"])])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.output)
    assert rep["finding_counts"]["exif_time_offset"] == len(planted["truth"])
    res = runner.invoke(verify_cmd, ["--db", planted["db"], "--html", str(out), "--leak", str(planted["leak"])])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "exif_time_offset" in html and "副本/copy.jpg" in html


def test_id_checks_on_generated_store(gen_store: dict) -> None:
    """On a generated leak: every ID whose check character the generator broke is reported, and
    no birth date or sex contradicts a valid ID (the generator writes them consistently)."""
    from izdesh.analysis.groundtruth import read_jsonl
    from izdesh.store.db import open_engine

    rep = verify.run(open_engine(gen_store["db"], readonly=True))
    leak = gen_store["leak"]
    files = {x["path"]: x for x in read_jsonl(leak / "truth" / "files.jsonl")}
    mentions = list(read_jsonl(leak / "truth" / "mentions.jsonl"))
    # Sheets that store ID numbers as Excel numbers lose the last digits of every ID, the check
    # character too: a bad one there cannot be seen.
    as_numbers = {m["file"] for m in mentions if "excel_float" in (m["id_damage"] or [])}
    planted = {(m["file"], m["written_id"]) for m in mentions
               if "bad_check" in (m["id_damage"] or []) and files[m["file"]]["state"] == "ok"
               and m["kind"] in ("table", "text") and m["file"] not in as_numbers}
    # ... and so does a single ID cell the sheet holds as a number (the store reads a partial pattern)
    from sqlalchemy import select

    from izdesh.store import schema

    with open_engine(gen_store["db"], readonly=True).connect() as conn:
        r, f_ = schema.record, schema.source_file
        lost = set(tuple(x) for x in conn.execute(select(f_.c.path, r.c.id_raw).join(f_, f_.c.id == r.c.file_id)
                                .where(r.c.id_pattern.is_not(None))).all())
    planted -= lost
    found = {(f["file"], f["message"].split("'")[1]) for f in rep["findings"].get("id_bad_checksum", [])}
    assert planted, "the generated leak should hold some bad check characters"
    recall = len(planted & found) / len(planted)
    assert recall >= 0.95, (recall, sorted(planted - found)[:5])
    ids = rep["ids"]
    assert ids["birth_date_stated"] > 100 and ids["birth_date_mismatch"] == 0
    assert ids["sex_stated"] > 100 and ids["sex_mismatch"] == 0
    assert ids["region_mismatch"] == 0
    assert rep["dates"]["timeline_out_of_order"] == 0 and rep["dates"]["event_before_birth"] == 0
    assert 0.9 < ids["checksum_valid_rate"] < 1.0
