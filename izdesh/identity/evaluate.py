"""Measuring person linking and the relatives graph against a synthetic leak's ground truth
(DIR/truth/: read here and in izdesh.analysis only, never by the ingester).

Which true person a record is: the truth mention at the record's place. Table rows: file + sheet +
row (``groundtruth.table_key``); text and OCR: file + paragraph (or page + line), then the mention
there with the record's ID number or name; photos: the file.

Clustering is scored on pairs of records: a pair is "true" when both records are mentions of the
same true person and "predicted" when the store put both on the same person. For a group of
records (with a full ID number / with a number that lost digits / with no number), the pairs
counted are those with at least one record of the group (the other may be any record):

    precision = true predicted pairs / predicted pairs,  recall = true predicted pairs / true pairs

Relatives: every truth relation (a, b) where both a and b are in the store (some record of each
was recovered) is "shown" when the store has a relative link from a's person to b's person, and
"right" when its relation word is the truth's (household_head: any word). Shares are given over all
such pairs, over pairs with rows in one sheet with a relation column, and over pairs the sources state: both rows of one
household (same truth household) on one sheet: the relations the files express. Relations across
households (a married daughter's parents, brothers heading their own households) are written
nowhere in the leak; the store can only infer some of them from names. ``not_expressed`` counts the
truth relations outside the expressed set: across households, or within one household whose
members never share a sheet with a relation column.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from izdesh.analysis.groundtruth import read_jsonl, table_key
from izdesh.identity.link import fold_name

TRUTH_RELATIONS = {"father", "mother", "son", "daughter", "spouse", "brother", "sister"}


@dataclass
class PairScore:
    group: str
    records: int = 0
    true_pairs: int = 0
    predicted_pairs: int = 0
    both: int = 0

    @property
    def precision(self) -> float:
        return self.both / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.both / self.true_pairs if self.true_pairs else 1.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(precision=round(self.precision, 5), recall=round(self.recall, 5))
        return d


@dataclass
class Evaluation:
    matched: int = 0
    unmatched: int = 0
    groups: dict[str, PairScore] = field(default_factory=dict)
    relatives: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records_matched_to_truth": self.matched,
            "records_without_truth": self.unmatched,
            "clustering": {k: v.as_dict() for k, v in self.groups.items()},
            "relatives": self.relatives,
            "errors": self.errors,
        }


def _loc(locator: dict[str, Any]) -> tuple[Any, ...]:
    if "paragraph" in locator:
        return ("paragraph", locator["paragraph"])
    if "page" in locator:
        return ("page", locator["page"], locator.get("line"))
    if "slide" in locator:
        return ("slide", locator["slide"], locator.get("paragraph"))
    return tuple(sorted((k, v) for k, v in locator.items() if k not in ("start", "end")))


def record_truth(engine: Engine, leak: Path) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """Store records (id, path, kind, person_id, id_number, id_pattern, name) and record id -> truth pid."""
    with engine.connect() as conn:
        rows = [
            dict(zip(("id", "path", "kind", "locator", "person_id", "id_number", "id_pattern", "id_valid", "name", "table_id", "relation"), r, strict=True))
            for r in conn.exec_driver_sql(
                "SELECT r.id, f.path, r.kind, r.locator, r.person_id, r.id_number, r.id_pattern, r.id_valid, r.name, r.table_id, r.relation"
                " FROM record r JOIN source_file f ON f.id = r.file_id"
            )
        ]  # fmt: skip
    tables: dict[tuple[str, str, int], int] = {}
    places: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in read_jsonl(leak / "truth" / "mentions.jsonl"):
        if m["kind"] == "table":
            tables[table_key(m["file"], m["locator"])] = m["pid"]
        else:
            places[(m["file"], *_loc(m["locator"]))].append(m)
            by_file[m["file"]].append(m)
    truth: dict[int, int] = {}
    for r in rows:
        loc = r["locator"]
        if isinstance(loc, str):
            loc = json.loads(loc)
        r["locator"] = loc
        if r["kind"] == "table":
            if "row" in loc:
                pid = tables.get(table_key(r["path"], loc))
                if pid is not None:
                    truth[r["id"]] = pid
            continue
        cands = places.get((r["path"], *_loc(loc))) or by_file.get(r["path"], [])
        pick = None
        if r["kind"] == "photo" and len(by_file.get(r["path"], [])) == 1:
            pick = by_file[r["path"]][0]
        if pick is None and r["id_number"]:
            pick = next((m for m in cands if m["id_number"] == r["id_number"]), None)
        if pick is None and r["name"]:
            fn = fold_name(r["name"])
            pick = next((m for m in cands if fold_name(m["written_name"]) == fn), None)
        if pick is None and len(cands) == 1:
            pick = cands[0]
        if pick is not None:
            truth[r["id"]] = pick["pid"]
    return rows, truth


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def evaluate(engine: Engine, leak: Path, *, examples: int = 5) -> Evaluation:
    rows, truth = record_truth(engine, leak)
    ev = Evaluation()
    recs = [r for r in rows if r["id"] in truth]
    ev.matched, ev.unmatched = len(recs), len(rows) - len(recs)

    def group_of(r: dict[str, Any]) -> str:
        if r["id_number"]:
            return "with_id"
        if r["id_pattern"]:
            return "id_pattern"
        return "no_id"

    # Each unlinked record is its own predicted cluster.
    store_c = {r["id"]: r["person_id"] or f"r{r['id']}" for r in recs}
    for groups, label in (({"with_id"}, "with_id"), ({"id_pattern", "no_id"}, "without_id"),
                          ({"id_pattern"}, "id_pattern"), ({"no_id"}, "no_id")):  # fmt: skip
        cell: Counter[tuple[Any, Any]] = Counter()
        cell_g: Counter[tuple[Any, Any]] = Counter()
        tc: Counter[Any] = Counter()
        tc_g: Counter[Any] = Counter()
        sc: Counter[Any] = Counter()
        sc_g: Counter[Any] = Counter()
        n = 0
        for r in recs:
            t, s = truth[r["id"]], store_c[r["id"]]
            g = group_of(r) in groups
            n += g
            cell[(t, s)] += 1
            tc[t] += 1
            sc[s] += 1
            if g:
                cell_g[(t, s)] += 1
                tc_g[t] += 1
                sc_g[s] += 1
        ps = PairScore(label, n)
        ps.both = sum(_pairs(c) - _pairs(c - cell_g[k]) for k, c in cell.items())
        ps.true_pairs = sum(_pairs(c) - _pairs(c - tc_g[k]) for k, c in tc.items())
        ps.predicted_pairs = sum(_pairs(c) - _pairs(c - sc_g[k]) for k, c in sc.items())
        ev.groups[label] = ps
    # A few errors to look at.
    by_person: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    by_truth: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        by_person[store_c[r["id"]]].append(r)
        by_truth[truth[r["id"]]].append(r)
    merged, split = [], []
    for p, rs in by_person.items():
        if len({truth[r["id"]] for r in rs}) > 1 and len(merged) < examples:
            merged.append([(r["id"], r["name"], r["id_number"] or r["id_pattern"], truth[r["id"]]) for r in rs])
    for t, rs in by_truth.items():
        if len({store_c[r["id"]] for r in rs}) > 1 and len(split) < examples:
            split.append([(r["id"], r["name"], r["id_number"] or r["id_pattern"], store_c[r["id"]]) for r in rs])
    ev.errors = {"merged": merged, "split": split}
    ev.relatives = _relatives(engine, leak, recs, truth)
    return ev


def _relatives(engine: Engine, leak: Path, recs: list[dict[str, Any]], truth: dict[int, int]) -> dict[str, Any]:
    person_of_pid: dict[int, Counter[str]] = defaultdict(Counter)
    tables_of_pid: dict[int, set[int]] = defaultdict(set)
    for r in recs:
        if r["person_id"]:
            person_of_pid[truth[r["id"]]][r["person_id"]] += 1
        if r["table_id"] is not None and r["relation"]:
            tables_of_pid[truth[r["id"]]].add(r["table_id"])
    main = {pid: c.most_common(1)[0][0] for pid, c in person_of_pid.items()}
    pid_of_person = {p: pid for pid, p in main.items()}
    with engine.connect() as conn:
        links: dict[tuple[str, str], set[str]] = defaultdict(set)
        for src, dst, rel in conn.exec_driver_sql("SELECT src, dst, relation FROM link WHERE kind = 'relative'"):
            links[(src, dst)].add(rel)
    total = shown = right = 0
    total_d = shown_d = right_d = 0
    total_h = shown_h = right_h = 0
    household = {p["pid"]: p["household"] for p in read_jsonl(leak / "truth" / "persons.jsonl")}
    by_rel: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    not_expressed: Counter[str] = Counter()
    for p in read_jsonl(leak / "truth" / "persons.jsonl"):
        a = p["pid"]
        if a not in main:
            continue
        for rel in p["relatives"]:
            b = rel["pid"]
            if b not in main or main[a] == main[b]:
                continue
            total += 1
            same_sheet = bool(tables_of_pid[a] & tables_of_pid[b])
            total_d += same_sheet
            # Stated by the sources: both rows of one household on a sheet with relation words.
            stated = same_sheet and household[a] is not None and household[a] == household[b]
            total_h += stated
            if not stated:
                one_household = household[a] is not None and household[a] > 0 and household[a] == household[b]
                not_expressed["same_household_not_on_one_sheet" if one_household else "across_households"] += 1
            words = links.get((main[a], main[b]))
            by_rel[rel["relation"]] += 1
            if words:
                shown += 1
                shown_d += same_sheet
                ok = rel["relation"] == "household_head" or rel["relation"] in words
                right += ok
                right_d += ok and same_sheet
                shown_h += stated
                right_h += ok and stated
            elif same_sheet:
                missed[rel["relation"]] += 1
    # Precision of the store's links in the truth's vocabulary.
    truth_pairs: dict[tuple[int, int], set[str]] = defaultdict(set)
    for p in read_jsonl(leak / "truth" / "persons.jsonl"):
        for rel in p["relatives"]:
            truth_pairs[(p["pid"], rel["pid"])].add(rel["relation"])
    checked = correct = 0
    for (src, dst), words in links.items():
        if src not in pid_of_person or dst not in pid_of_person:
            continue
        for w in words & TRUTH_RELATIONS:
            checked += 1
            correct += w in truth_pairs.get((pid_of_person[src], pid_of_person[dst]), set())
    return {
        "truth_pairs_in_store": total,
        "shown": shown,
        "shown_share": round(shown / total, 5) if total else 1.0,
        "right_relation_share": round(right / total, 5) if total else 1.0,
        "in_same_sheet": total_d,
        "shown_share_same_sheet": round(shown_d / total_d, 5) if total_d else 1.0,
        "right_relation_share_same_sheet": round(right_d / total_d, 5) if total_d else 1.0,
        "missed_same_sheet_by_relation": dict(missed),
        "in_same_household_on_a_sheet": total_h,
        "not_expressed": dict(not_expressed),
        "shown_share_same_household": round(shown_h / total_h, 5) if total_h else 1.0,
        "right_relation_share_same_household": round(right_h / total_h, 5) if total_h else 1.0,
        "store_links_checked": checked,
        "store_links_precision": round(correct / checked, 5) if checked else 1.0,
    }
