"""A generated outside list for testing ``xref``: what a victims database or a family would send,
built from a synthetic leak's truth, with its answer key.

Two profiles of row:

``thin``       a Latin-script name (ULY as the truth writes it, or ASCII-folded, a Turkish or an
               English spelling), a birth year (most rows), a place (some rows: township or village
               in Latin), an ID number (some rows, some with spaces).
``victims_db`` the same rows (same people, names, years, IDs: the same random draws) plus what an
               entry of a victims database such as Shahit.biz carries: the sex (most rows) and a
               hometown written county, township, village (most rows, some parts left out) instead
               of the single place.

Both have people who are not in the store at all (never written in a readable file of the leak, or
invented). ``expected`` is the true ID number when the person can be in the store, else None;
``twins`` the ID numbers of the other persons the store can know whom the row describes just as well
(see ``indistinguishable``).
"""

from __future__ import annotations

import csv
import json
import random
import unicodedata
from importlib import resources
from pathlib import Path
from typing import Any

from izdesh.analysis.groundtruth import UNRECOVERABLE, read_jsonl

TURKISH = (("ch", "ç"), ("sh", "ş"), ("gh", "ğ"), ("q", "k"), ("x", "h"), ("ü", "ü"), ("ö", "ö"), ("é", "e"),
           ("j", "c"), ("y", "y"))
ENGLISH = (("q", "k"), ("x", "kh"), ("gh", "gh"), ("ü", "u"), ("ö", "o"), ("é", "e"), ("j", "j"))


def ascii_fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


def respell(name: str, style: str) -> str:
    if style == "uly":
        return name
    if style == "ascii":
        return ascii_fold(name)
    table = TURKISH if style == "turkish" else ENGLISH
    out = name.lower()
    for a, b in table:
        out = out.replace(a, b)
    return " ".join(w[:1].upper() + w[1:] for w in out.split())


def _gazetteer() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(Chinese place name -> Latin name, county code -> (Uyghur Latin, Chinese-based Latin))."""
    data = json.loads(resources.files("izdesh.generate.data").joinpath("places.json").read_text("utf-8"))
    latin: dict[str, str] = {}
    counties: dict[str, tuple[str, str]] = {}
    for code, county in data.items():
        for c in (code, *county.get("former_codes", ())):
            counties[c] = (county.get("name_uyghur_latin") or county["name_latin"], county["name_latin"])
        for t in county.get("townships", ()):
            if t.get("name_latin"):
                latin[t["name_zh"]] = t["name_latin"]
            for v in t.get("villages", ()):
                if v.get("name_latin"):
                    latin[v["name_zh"]] = v["name_latin"]
    return latin, counties


# victims_db hometowns: which parts are written (weights); the county in its Uyghur or its Chinese-based
# Latin name (Konasheher / Shufu)
HOMETOWN_PARTS = ((("county", "township", "village"), 0.45), (("county", "township"), 0.25),
                  (("township", "village"), 0.15), (("county",), 0.15))


def hometown(p: dict[str, Any], parts: tuple[str, ...], latin: dict[str, str],
             counties: dict[str, tuple[str, str]], uyghur_county: bool) -> str:
    out = []
    for part in parts:
        if part == "county":
            c = counties.get(p["county_code"] or p["id_number"][:6])
            if c:
                out.append(c[0] if uyghur_county else c[1])
        else:
            zh = p[part] or ""
            if zh:
                out.append(latin.get(zh, zh))
    return ", ".join(out)


def visible_persons(leak: Path) -> tuple[set[int], set[int]]:
    """(pids the store can know by ID number: a mention in a readable file whose ID reads back,
    pids written anywhere readable at all: the store may know them by a partial number or a name)."""
    files = {x["path"]: x for x in read_jsonl(leak / "truth" / "files.jsonl")}
    ok = {p for p, x in files.items() if x["state"] in ("ok", "misnamed")}
    seen: set[int] = set()
    anywhere: set[int] = set()
    for m in read_jsonl(leak / "truth" / "mentions.jsonl"):
        if m["file"] not in ok:
            continue
        anywhere.add(m["pid"])
        if m.get("written_id") and not set(m.get("id_damage") or []) & UNRECOVERABLE:
            seen.add(m["pid"])
    return seen, anywhere


PROFILES = ("thin", "victims_db")


def make_list(leak: Path, n: int = 300, *, seed: int = 0, profile: str = "thin", absent_share: float = 0.15,
              no_year_share: float = 0.12, place_share: float = 0.35, id_share: float = 0.2,
              sex_share: float = 0.9, hometown_share: float = 0.85) -> list[dict[str, Any]]:
    """``n`` rows ``{"row": {name, birth_year, place, id_number[, sex]}, "expected": id or None,
    "twins": [id, ...], "kind": ..., "style": ...}``. The profiles share every draw of the ``thin``
    rows; ``victims_db`` draws its sex and hometown from a second generator."""
    if profile not in PROFILES:
        raise ValueError(f"profile is one of {PROFILES}")
    rng = random.Random(f"xref-list:{seed}")
    rng2 = random.Random(f"xref-list:{seed}:{profile}")
    persons = list(read_jsonl(leak / "truth" / "persons.jsonl"))
    seen, anywhere = visible_persons(leak)
    present = [p for p in persons if p["pid"] in seen and p["name_latin"]]
    absent = [p for p in persons if p["pid"] not in anywhere and p["name_latin"] and p["ethnicity"] != "汉族"]
    latin, counties = _gazetteer()
    styles = (("uly", 0.4), ("ascii", 0.3), ("turkish", 0.15), ("english", 0.15))
    extra = profile == "victims_db"
    out: list[dict[str, Any]] = []
    for k in range(n):
        r = rng.random()
        style = rng.choices([s for s, _ in styles], [w for _, w in styles])[0]
        if r < absent_share:
            p = None
            if absent and rng.random() < 0.5:
                p = rng.choice(absent)
                name, year = p["name_latin"], int(p["birth_date"][:4])
                kind = "absent_person"
            else:  # invented: a real given name with a real father's name, a random year
                a, b = rng.choice(present), rng.choice(present)
                name = f"{a['given_latin'] or a['name_latin'].split()[0]} {b['father_latin'] or b['name_latin'].split()[-1]}"
                year = rng.randint(1940, 2005)
                kind = "invented"
            row = {"name": respell(name, style), "birth_year": str(year), "place": "", "id_number": ""}
            if extra:
                row["sex"] = (p or a)["sex"] if rng2.random() < sex_share else ""
                if rng2.random() < hometown_share:  # an invented person: the hometown of the given name's bearer
                    parts = rng2.choices([x for x, _ in HOMETOWN_PARTS], [w for _, w in HOMETOWN_PARTS])[0]
                    row["place"] = hometown(p or a, parts, latin, counties, rng2.random() < 0.7)
            out.append({"row": row, "expected": None, "twins": [], "kind": kind, "style": style})
            continue
        p = rng.choice(present)
        if p["ethnicity"] == "汉族" and style in ("turkish", "english"):
            style = "ascii"  # a Han name travels in passport pinyin, not respelled
        row = {"name": respell(p["name_latin"], style), "birth_year": "", "place": "", "id_number": ""}
        kind = "name_year"
        if rng.random() >= no_year_share:
            row["birth_year"] = p["birth_date"][:4]
        else:
            kind = "name_only"
        if rng.random() < place_share:
            zh = p["village"] if rng.random() < 0.5 else p["township"]
            row["place"] = latin.get(zh, zh or "")
        if rng.random() < id_share:
            idn = p["id_number"]
            row["id_number"] = f"{idn[:6]} {idn[6:14]} {idn[14:]}" if rng.random() < 0.3 else idn
            kind += "+id"
        parts: tuple[str, ...] = ()
        uyghur_county = True
        if extra:
            row["sex"] = p["sex"] if rng2.random() < sex_share else ""
            row["place"] = ""
            if rng2.random() < hometown_share:
                parts = rng2.choices([x for x, _ in HOMETOWN_PARTS], [w for _, w in HOMETOWN_PARTS])[0]
                uyghur_county = rng2.random() < 0.7
                row["place"] = hometown(p, parts, latin, counties, uyghur_county)
        out.append({"row": row, "expected": p["id_number"], "twins": [], "kind": kind, "style": style,
                    "_p": p, "_parts": parts, "_uyghur_county": uyghur_county})
    _find_twins(out, present, latin, counties)
    return out


def _find_twins(items: list[dict[str, Any]], present: list[dict[str, Any]], latin: dict[str, str],
                counties: dict[str, tuple[str, str]]) -> None:
    """Fill each row's ``twins``: see ``indistinguishable``."""
    by_year: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for q in present:
        by_year.setdefault(q["birth_date"][:4], {}).setdefault(q["name_latin"], []).append(q)
    for it in items:
        p = it.pop("_p", None)
        parts = it.pop("_parts", ())
        uyghur_county = it.pop("_uyghur_county", True)
        row = it["row"]
        if p is None or not row["birth_year"] or row["id_number"]:
            continue
        for name_latin, qs in by_year.get(row["birth_year"], {}).items():
            if respell(name_latin, it["style"]) != row["name"]:
                continue
            for q in qs:
                if q["id_number"] != p["id_number"] and indistinguishable(row, p, q, parts, uyghur_county, latin, counties):
                    it["twins"].append(q["id_number"])


def indistinguishable(row: dict[str, str], p: dict[str, Any], q: dict[str, Any], parts: tuple[str, ...],
                      uyghur_county: bool, latin: dict[str, str], counties: dict[str, tuple[str, str]]) -> bool:
    """Whether person ``q`` (same respelled name and birth year as ``p``, the row's person) would
    have given the same row: the same sex when the row gives one, and the same place text when the
    row gives one (thin: q's village or township reads the same; victims_db: q's hometown written
    with the same parts reads the same). An ID number in the row always tells them apart."""
    if row.get("sex") and q["sex"] != row["sex"]:
        return False
    if row["place"]:
        if parts:
            return hometown(q, parts, latin, counties, uyghur_county) == row["place"]
        return row["place"] in {latin.get(q[x] or "", q[x] or "") for x in ("village", "township")}
    return True


def write_csv(items: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(items[0]["row"]) if items else ["name", "birth_year", "place",
                                                                                 "id_number"])
        w.writeheader()
        for it in items:
            w.writerow(it["row"])


def score_results(items: list[dict[str, Any]], results: list[dict[str, Any]], *, threshold: float = 0.8) -> dict[str, Any]:
    """Top-1 accuracy by kind of row; for absent people, the share whose top match stays under
    ``threshold`` (a reader would not take it for the person).

    ``latin_name_and_year_top1`` (strict, the issue's figure): of the rows of a person the store can
    know with a Latin name and a birth year (with or without an ID number), the share whose first
    match has the expected ID number.
    ``latin_name_and_year_top1_tie_aware``: the same rows; a row also counts as right when its first
    match is one of the row's ``twins``: another person the store can know for whom the generator
    would have written the very same row (the same respelled name and birth year, and the same sex
    and place text when the row gives them; never when it gives an ID number). ``tie_rows`` counts the
    rows that have at least one twin: no ranking can tell their person from the twins.
    ``with_year_first_or_tied`` (rows with a name and year, no ID): the person is the first match or
    shown tied with it (the same score).
    """
    by: dict[str, list[int]] = {}
    ties: list[int] = []
    tie_aware: list[int] = []
    tie_rows = 0
    misses = []
    for it, res in zip(items, results, strict=True):
        top = res["matches"][0] if res["matches"] else None
        if it["expected"] is None:
            ok = top is None or top["score"] < threshold
            key = "absent"
        else:
            ok = top is not None and top["id_number"] == it["expected"]
            key = "with_year" if it["row"]["birth_year"] else "name_only"
            if it["row"]["id_number"]:
                key += "+id"
            if key == "with_year":
                tied = [m["id_number"] for m in res["matches"] if m is top or m.get("tied_with_first")]
                ties.append(int(it["expected"] in tied))
            if key.startswith("with_year"):
                twins = set(it.get("twins") or ())
                tie_rows += bool(twins)
                tie_aware.append(int(ok or (top is not None and top["id_number"] in twins)))
        by.setdefault(key, []).append(int(ok))
        if not ok and len(misses) < 30:
            misses.append({"row": it["row"], "expected": it["expected"], "twins": it.get("twins"), "top": top})

    def rate(v: list[int]) -> dict[str, Any]:
        return {"n": len(v), "right": sum(v), "rate": round(sum(v) / len(v), 4) if v else None}

    summary: dict[str, Any] = {k: rate(v) for k, v in sorted(by.items())}
    summary["latin_name_and_year_top1"] = rate([x for k, v in by.items() if k.startswith("with_year") for x in v])
    summary["latin_name_and_year_top1_tie_aware"] = {**rate(tie_aware), "tie_rows": tie_rows}
    summary["with_year_first_or_tied"] = rate(ties)
    summary["misses"] = misses
    return summary
