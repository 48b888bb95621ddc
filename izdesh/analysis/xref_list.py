"""A generated outside list for testing ``xref``: what a victims database or a family would send,
built from a synthetic leak's truth, with its answer key.

Rows: a Latin-script name (ULY as the truth writes it, or ASCII-folded, a Turkish or an English
spelling), a birth year (most rows), a place (some rows: township or village in Latin), an ID number
(some rows, some with spaces), and people who are not in the store at all (never written in a
readable file of the leak, or invented). ``expected`` is the true ID number when the person can be in
the store, else None.
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


def _places_latin() -> dict[str, str]:
    data = json.loads(resources.files("izdesh.generate.data").joinpath("places.json").read_text("utf-8"))
    out = {}
    for county in data.values():
        for t in county.get("townships", ()):
            if t.get("name_latin"):
                out[t["name_zh"]] = t["name_latin"]
            for v in t.get("villages", ()):
                if v.get("name_latin"):
                    out[v["name_zh"]] = v["name_latin"]
    return out


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


def make_list(leak: Path, n: int = 300, *, seed: int = 0, absent_share: float = 0.15,
              no_year_share: float = 0.12, place_share: float = 0.35, id_share: float = 0.2) -> list[dict[str, Any]]:
    """``n`` rows ``{"row": {name, birth_year, place, id_number}, "expected": id or None, "kind": ...}``."""
    rng = random.Random(f"xref-list:{seed}")
    persons = list(read_jsonl(leak / "truth" / "persons.jsonl"))
    seen, anywhere = visible_persons(leak)
    present = [p for p in persons if p["pid"] in seen and p["name_latin"]]
    absent = [p for p in persons if p["pid"] not in anywhere and p["name_latin"] and p["ethnicity"] != "汉族"]
    latin = _places_latin()
    styles = (("uly", 0.4), ("ascii", 0.3), ("turkish", 0.15), ("english", 0.15))
    out: list[dict[str, Any]] = []
    for k in range(n):
        r = rng.random()
        style = rng.choices([s for s, _ in styles], [w for _, w in styles])[0]
        if r < absent_share:
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
            out.append({"row": row, "expected": None, "kind": kind, "style": style})
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
        out.append({"row": row, "expected": p["id_number"], "kind": kind, "style": style})
    return out


def write_csv(items: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["name", "birth_year", "place", "id_number"])
        w.writeheader()
        for it in items:
            w.writerow(it["row"])


def score_results(items: list[dict[str, Any]], results: list[dict[str, Any]], *, threshold: float = 0.8) -> dict[str, Any]:
    """Top-1 accuracy by kind of row; for absent people, the share whose top match stays under
    ``threshold`` (a reader would not take it for the person)."""
    by: dict[str, list[int]] = {}
    ties: list[int] = []
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
        by.setdefault(key, []).append(int(ok))
        if not ok and len(misses) < 30:
            misses.append({"row": it["row"], "expected": it["expected"], "top": top})
    summary = {k: {"n": len(v), "right": sum(v), "rate": round(sum(v) / len(v), 4)} for k, v in sorted(by.items())}
    named_year = [x for k, v in by.items() if k.startswith("with_year") for x in v]
    summary["latin_name_and_year_top1"] = {"n": len(named_year), "right": sum(named_year),
                                           "rate": round(sum(named_year) / len(named_year), 4) if named_year else None}
    # rows with a name and year (no ID) whose person is the first match or tied with it
    summary["with_year_first_or_tied"] = {"n": len(ties), "right": sum(ties),
                                          "rate": round(sum(ties) / len(ties), 4) if ties else None}
    summary["misses"] = misses
    return summary
