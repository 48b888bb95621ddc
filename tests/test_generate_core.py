"""The synthetic leak end to end: determinism, readable tables, a consistent ground truth.

Every check reads the files back with an independent reader (openpyxl, xlrd, the csv module) and
compares them with DIR/truth/; nothing here knows the answers in advance.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from izdesh.generate.leak import generate

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
TABLE_KINDS = {"register", "household", "detainee_list", "blacklist", "sentence_list"}
INVERSE = {"spouse": {"spouse"}, "father": {"son", "daughter"}, "mother": {"son", "daughter"},
           "son": {"father", "mother"}, "daughter": {"father", "mother"},
           "brother": {"brother", "sister"}, "sister": {"brother", "sister"}}
CUSTODY = {"detained", "re_education", "sentenced"}


def valid_id(s: str) -> bool:
    """GB 11643 check, written here independently of the generator."""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(s, WEIGHTS)) % 11] == s[17]


def jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def leak(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("leak")
    summary = generate(out, persons=3000, seed=0, progress=False)
    return out, summary


@pytest.fixture(scope="module")
def truth(leak):
    root, _ = leak
    return {
        "persons": jsonl(root / "truth" / "persons.jsonl"),
        "mentions": jsonl(root / "truth" / "mentions.jsonl"),
        "files": jsonl(root / "truth" / "files.jsonl"),
    }


def test_determinism(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, persons=700, seed=5, progress=False)
    generate(b, persons=700, seed=5, progress=False, workers=2)  # a pool must not change a byte
    generate(c, persons=700, seed=6, progress=False)
    da, db, dc = digests(a), digests(b), digests(c)
    assert len(da) > 40
    assert da == db
    data = [k for k in da if not k.startswith("truth/")]
    assert sum(da[k] != dc.get(k) for k in data) > len(data) // 2
    assert da["truth/persons.jsonl"] != dc["truth/persons.jsonl"]


def test_summary_and_listing(leak, truth):
    root, summary = leak
    assert summary["persons"] == 3000 == len(truth["persons"])
    assert summary["files"] == len(truth["files"])
    assert summary["mentions"] == len(truth["mentions"])
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
               and not p.relative_to(root).as_posix().startswith("truth/")}
    listed = {f["path"] for f in truth["files"]}
    assert on_disk == listed
    kinds = Counter(f["kind"] for f in truth["files"])
    for k in TABLE_KINDS:
        assert kinds[k] >= 1, kinds
    formats = Counter(f["format"] for f in truth["files"] if f["kind"] in TABLE_KINDS)
    assert formats["xlsx"] and (formats["xls"] + formats["csv-gb18030"] + formats["csv-utf8-bom"]), formats
    mentioned = {m["file"] for m in truth["mentions"]}
    assert mentioned <= listed


def _read_sheets(path: Path, fmt: str) -> dict:
    """sheet name (None for CSV) -> list of rows (lists of cell values)."""
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        out = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        wb.close()
        return out
    if fmt == "xls":
        import xlrd

        book = xlrd.open_workbook(str(path))
        return {sh.name: [sh.row_values(i) for i in range(sh.nrows)] for sh in book.sheets()}
    enc = "gb18030" if fmt == "csv-gb18030" else "utf-8-sig"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (fmt == "csv-utf8-bom")
    with path.open(encoding=enc, newline="") as fh:
        return {None: list(csv.reader(fh))}


def _as_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float):
        return str(int(v))
    return str(v)


def test_tables_hold_what_truth_says(leak, truth):
    root, _ = leak
    by_file = defaultdict(list)
    for m in truth["mentions"]:
        by_file[m["file"]].append(m)
    checked = 0
    damage = Counter()
    for f in truth["files"]:
        if f["kind"] not in TABLE_KINDS or f["state"] not in ("ok", "misnamed"):
            continue
        sheets = _read_sheets(root / f["path"], f["format"])
        ms = by_file[f["path"]]
        assert len(ms) == f["persons"] > 0
        for m in ms:
            loc = m["locator"]
            row = sheets[loc["sheet"]][loc["row"]]
            assert _as_text(row[loc["name_col"]]) == m["written_name"], (f["path"], loc)
            if loc["id_col"] is None:
                assert m["written_id"] is None
            else:
                assert _as_text(row[loc["id_col"]]) == m["written_id"], (f["path"], loc)
            if not m["id_damage"]:
                assert m["written_id"] in (None, m["id_number"])
            damage.update(m["id_damage"])
            checked += 1
        if f["format"] == "xls":
            assert all(len(rows) <= 65536 for rows in sheets.values())
    assert checked > 1000
    assert sum(damage.values()) > 0.02 * checked  # messy, at realistic rates
    assert sum(damage.values()) < 0.30 * checked


def test_header_variants_and_title_rows(leak, truth):
    root, _ = leak
    id_headers = set()
    titles = 0
    n = 0
    for f in truth["files"]:
        if f["kind"] not in TABLE_KINDS or f["state"] != "ok":
            continue
        n += 1
        sheets = _read_sheets(root / f["path"], f["format"])
        rows = next(iter(sheets.values()))
        first = [c for c in rows[0] if c not in (None, "")]
        if len(first) <= 2:
            titles += 1
        for r in rows[:4]:
            id_headers.update(c for c in r if isinstance(c, str) and ("身份" in c or "证件" in c))
    assert len(id_headers) >= 2, id_headers
    assert 0 < titles < n


def test_truth_ids_valid_and_unique(truth):
    ids = [p["id_number"] for p in truth["persons"]]
    assert len(ids) == len(set(ids))
    for p in truth["persons"]:
        s = p["id_number"]
        assert valid_id(s), s
        assert s[6:14] == p["birth_date"].replace("-", "")
        assert (int(s[16]) % 2 == 1) == (p["sex"] == "male")
        assert s[:6] in ("653121", "654027", "654127", "652427")
        if s[:6] == "652427":
            assert p["birth_date"] < "1984"
    for m in truth["mentions"]:
        if m["written_id"] and not m["id_damage"]:
            assert m["written_id"] == m["id_number"]
        if "bad_check" in m["id_damage"]:
            assert not valid_id(m["written_id"])


def test_relatives_symmetric_and_named_after_father(truth):
    persons = truth["persons"]
    by_id = {p["id_number"]: p for p in persons}
    links = 0
    for p in persons:
        for r in p["relatives"]:
            q = by_id[r["id_number"]]
            if r["relation"] == "household_head":
                assert q["relation"] == "户主" and q["household"] == p["household"]
                continue
            links += 1
            back = {x["relation"] for x in q["relatives"] if x["id_number"] == p["id_number"]}
            assert back and back <= INVERSE[r["relation"]], (p["id_number"], r, back)
            if r["relation"] == "father" and p["father_latin"]:
                assert p["father_latin"] == q["given_latin"]
                assert p["name_latin"].split(" ", 1)[1] == q["given_latin"]
            if r["relation"] in ("father", "mother"):
                assert q["birth_date"] < p["birth_date"]
    assert links > len(persons)
    # Households: one head each, relation words as registers write them.
    heads = Counter(p["household"] for p in persons if p["relation"] == "户主")
    assert heads and max(heads.values()) == 1
    words = Counter(p["relation"] for p in persons)
    for w in ("户主", "配偶", "长子", "长女", "次子", "次女"):
        assert words[w] > 0
    abroad = [p for p in persons if p["abroad"]]
    assert 0.005 < len(abroad) / len(persons) < 0.08
    assert all(p["relatives"] for p in abroad)


def test_status_dates_ordered(truth):
    seen = Counter()
    for p in truth["persons"]:
        prev = p["birth_date"]
        for s in p["statuses"]:
            assert s["date"] >= prev, (p["id_number"], p["statuses"])
            assert "2016-01-01" <= s["date"] <= "2018-12-31"
            prev = s["date"]
            seen[s["status"]] += 1
            if s["status"] == "sentenced":
                assert 2 <= s["sentence_years"] <= 25
            if s["status"] in ("detained", "re_education"):
                assert s["facility"] and s["building"] and s["cell"] and s["status_zh"]
            if s["status"] == "blacklisted":
                assert s["category"].startswith("第")
        kinds = [s["status"] for s in p["statuses"]]
        if "re_education" in kinds:
            assert "detained" in kinds and kinds.index("detained") < kinds.index("re_education")
    for k in ("registered", "blacklisted", "detained", "re_education", "sentenced", "released"):
        assert seen[k] > 0, seen


def test_camp_share_of_shufu_adults(truth):
    adults = [p for p in truth["persons"] if p["county_code"] == "653121" and p["ethnicity"] != "汉族"
              and p["alive"] and not p["abroad"] and 2017 - int(p["birth_date"][:4]) >= 18]
    held = [p for p in adults if any(s["status"] in CUSTODY for s in p["statuses"])]
    share = len(held) / len(adults)
    assert 0.11 <= share <= 0.13, share
    uyghur = sum(p["ethnicity"] == "维吾尔族" for p in truth["persons"] if p["county_code"] == "653121")
    # ~98% Uyghur; ethnicity is drawn per family, so a few thousand persons vary by a few %.
    assert uyghur / sum(p["county_code"] == "653121" for p in truth["persons"]) > 0.9
    minors = sum(2017 - int(p["birth_date"][:4]) < 18 for p in truth["persons"] if p["alive"])
    assert 0.25 < minors / sum(p["alive"] for p in truth["persons"]) < 0.45


def test_same_person_in_several_files_with_changing_status(truth):
    files_of = defaultdict(set)
    for m in truth["mentions"]:
        files_of[m["pid"]].add(m["file"])
    multi = [pid for pid, fs in files_of.items() if len(fs) >= 2]
    assert len(multi) > 100
    list_files = {f["path"] for f in truth["files"] if f["kind"] == "detainee_list"}
    in_lists = Counter(pid for m in truth["mentions"] if m["file"] in list_files for pid in [m["pid"]])
    assert any(c >= 2 for c in in_lists.values())
