"""A person's statuses over time, from every record: registered, blacklisted, detained,
re-education, sentenced (with the term), released, died; the latest one; and the conflicts between
sources, shown rather than hidden.

Status words are mapped to canonical keys through records/data/terms.toml. Each event keeps its
source. Two dates matter: the event's own date (收押日期, 判决日期 ...) and the date of the list it
comes from (in the file name, e.g. ..._20180526.xlsx): a detainee list of June 2018 says the person
was still held in June 2018, whatever the admission date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from izdesh.identity.terms import terms

_LIST_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)")
_YEARS = re.compile(r"(\d{1,2})\s*年")


def list_date(path: str | None) -> str | None:
    """The date a list was made, from its file name (…_20180526.xlsx), if it carries one."""
    if not path:
        return None
    name = path.rsplit("/", 1)[-1]
    found = _LIST_DATE.findall(name)
    if not found:
        return None
    y, m, d = found[-1]
    if not (1 <= int(m) <= 12 and 1 <= int(d) <= 31):
        return None
    return f"{y}-{m}-{d}"


def sentence_years(text: str | None) -> int | None:
    if not text:
        return None
    t = str(text).strip()
    if t.isdigit():
        return int(t)
    m = _YEARS.search(t)
    return int(m.group(1)) if m else None


def event(rec: dict[str, Any], path: str | None = None) -> dict[str, Any] | None:
    """One timeline event from a record (a dict with status, event_date, facility, ... and
    record_id), or None when the record says no status."""
    T = terms()
    written = rec.get("status")
    key = T.lookup("status", written)
    implied = False
    if key is None and not written and rec.get("relation"):
        # A row of a household register or family sheet with no status column: registered there.
        key, implied = "registered", True
    if key is None:
        return None
    e = T.entry("status", key)
    d = rec.get("event_date")
    d = d.isoformat() if hasattr(d, "isoformat") else d
    ld = list_date(path)
    ev: dict[str, Any] = {
        "status": key,
        "label": e.get("en", key),
        "as_written": written,
        "date": d,
        "list_date": ld,
        "as_of": max(x for x in (d, ld) if x) if (d or ld) else None,
        "custody": bool(e.get("custody")),
        "rank": int(e.get("rank", 0)),
        "source": {"record_id": rec.get("record_id"), "path": path, "locator": rec.get("locator")},
    }
    if implied:
        ev["implied"] = f"listed in a household sheet (relation to the head: {rec.get('relation')})"
    for f in ("facility", "building", "cell"):
        if rec.get(f):
            ev[f] = rec[f]
    if rec.get("reason"):
        ev["reason"] = rec["reason"]
        ev["reason_key"] = T.lookup("reason", rec["reason"])
    if rec.get("category"):
        ev["category"] = rec["category"]
        ev["category_key"] = T.lookup("category", rec["category"])
    if rec.get("sentence"):
        ev["sentence"] = rec["sentence"]
        ev["sentence_years"] = sentence_years(rec["sentence"])
    return ev


def _order(e: dict[str, Any]) -> tuple[str, int, str]:
    return (e["date"] or e["as_of"] or "", e["rank"], str(e["source"].get("record_id") or ""))


def timeline(events: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Events in time order (by their own date, else the list's date; undated first), and by the
    order of a life in the records on the same date."""
    return sorted((e for e in events if e), key=_order)


def latest(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The status the most recent source gives (by the date the source speaks for)."""
    if not events:
        return None
    dated = [e for e in events if e["as_of"]]
    pool = dated or events
    return max(pool, key=lambda e: (e["as_of"] or "", e["rank"]))


def _src(e: dict[str, Any]) -> str:
    s = e["source"]
    where = s.get("path") or f"record {s.get('record_id')}"
    return f"{e['as_written']} in {where}"


def conflicts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sources that cannot all be right. Each: kind, why, the events' record ids."""
    out: list[dict[str, Any]] = []
    released = [e for e in events if e["status"] == "released" and e["as_of"]]
    custody = [e for e in events if e["custody"]]
    died = [e for e in events if e["status"] == "died" and e["as_of"]]
    for r in released:
        d_r = r["date"] or r["as_of"]
        for c in custody:
            if c["status"] == "sentenced":
                continue
            if c["as_of"] and c["as_of"] > d_r and (c["date"] is None or c["date"] <= d_r):
                out.append({
                    "kind": "custody_after_release",
                    "why": f"Released on {d_r} ({_src(r)}), but listed as {c['label'].lower()} as of"
                           f" {c['as_of']}" + (f" with an admission date of {c['date']}" if c["date"] else "")
                           + f" ({_src(c)}).",
                    "records": [r["source"]["record_id"], c["source"]["record_id"]],
                })  # fmt: skip
    for d in died:
        d_d = d["date"] or d["as_of"]
        for e in events:
            if e["status"] == "died" or e is d:
                continue
            when = e["date"] or (e["as_of"] if e["custody"] else None)
            if when and when > d_d:
                out.append({
                    "kind": "after_death",
                    "why": f"Died on {d_d} ({_src(d)}), but {e['label'].lower()} on {when} ({_src(e)}).",
                    "records": [d["source"]["record_id"], e["source"]["record_id"]],
                })  # fmt: skip
    terms_ = {}
    for e in events:
        if e["status"] == "sentenced" and e.get("sentence_years") is not None:
            terms_.setdefault(e["sentence_years"], e)
    if len(terms_) > 1:
        items = sorted(terms_.items())
        out.append({
            "kind": "sentence_term",
            "why": "The sources give different terms: "
                   + "; ".join(f"{y} years ({_src(e)})" for y, e in items) + ".",
            "records": [e["source"]["record_id"] for _, e in items],
        })  # fmt: skip
    by_date: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e["date"]:
            by_date.setdefault(e["date"], []).append(e)
    for d, es in by_date.items():
        kinds = {e["status"] for e in es}
        if "released" in kinds and kinds & {"detained", "re_education"}:
            a = next(e for e in es if e["status"] == "released")
            b = next(e for e in es if e["status"] in ("detained", "re_education"))
            out.append({
                "kind": "same_date",
                "why": f"On {d} one source says released ({_src(a)}) and another {b['label'].lower()} ({_src(b)}).",
                "records": [a["source"]["record_id"], b["source"]["record_id"]],
            })  # fmt: skip
    return out


def summarise(records: Iterable[dict[str, Any]], paths: dict[int, str] | None = None) -> dict[str, Any]:
    """timeline, latest_status (key), latest (the event), conflicts, for a person's records
    (dicts with record_id, status, event_date, ..., and file path under "path" or via file_id)."""
    evs = []
    for r in records:
        path = r.get("path") or (paths or {}).get(r.get("file_id"))  # type: ignore[arg-type]
        evs.append(event(r, path))
    tl = timeline(evs)
    last = latest(tl)
    return {
        "timeline": tl,
        "latest_status": last["status"] if last else None,
        "latest": last,
        "conflicts": conflicts(tl),
    }
