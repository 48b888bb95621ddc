"""Statistics over a store: counts and rates, and the share of adults with camp or prison records,
defined in the output so anyone can recompute it.

Everything here reads the store only (never the generator's truth). One pass over the records
builds a per-person summary; counts come from it and from a few SQL aggregates.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from izdesh.analysis import terms
from izdesh.store import schema

# Counties of the leak and every code their residents' ID numbers start with.
COUNTIES: dict[str, tuple[str, ...]] = {
    "疏附县": ("653121",),
    "特克斯县": ("654027", "654127", "652427"),
}
COUNTY_EN = {"疏附县": "Shufu (Konasheher)", "特克斯县": "Tekes"}
AGE_YEAR = 2017  # age = AGE_YEAR - birth year (the year most registers were made)
ADULT_AGE = 18
AGE_BANDS = ((0, 17), (18, 29), (30, 39), (40, 49), (50, 59), (60, 69), (70, 200))
# A facility written in a row names a placement when it contains one of these.
FACILITY_WORDS = ("看守所", "拘留所", "教育培训中心", "教培中心", "转化中心", "监狱", "戒毒所")
ABROAD_WORDS = ("境外", "国外")
_SEP = re.compile(r"[·・•．‧.]")
HAN = "汉族"


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return f"{lo}+" if hi >= 200 else f"{lo}-{hi}"
    return "unknown"


def county_of(region_code: str | None) -> str | None:
    for name, codes in COUNTIES.items():
        if region_code in codes:
            return name
    return None


def norm_ethnicity(v: str | None) -> str | None:
    """维吾尔 / 维吾尔族 -> 维吾尔族; None for empty or obviously not an ethnicity."""
    if not v:
        return None
    v = v.strip()
    if not v or len(v) > 8 or "乡" in v or "镇" in v or "民族" in v:
        return None  # a township name read as an ethnicity ("...蒙古民族乡")
    return v if v.endswith("族") else v + "族"


def placement_of(rec: dict[str, Any]) -> str | None:
    """Why this table row records a camp or prison placement, or None."""
    key = terms.status_key(rec.get("status"))
    if key in terms.CAMP_OR_PRISON:
        return f"status {rec['status']} ({key})"
    if rec.get("sentence"):
        return f"sentence {rec['sentence']}"
    fac = rec.get("facility") or ""
    if any(w in fac for w in FACILITY_WORDS):
        return f"facility {fac}"
    return None


@dataclass
class PersonSummary:
    id_number: str | None
    name: str | None
    sex: str | None
    birth_date: date | None
    region_code: str | None
    township: str | None
    village: str | None
    latest_status: str | None
    ethnicities: Counter = field(default_factory=Counter)
    placed: list[int] = field(default_factory=list)  # record ids of table rows showing a placement
    placed_text: list[int] = field(default_factory=list)  # running-text records that say so
    abroad: list[int] = field(default_factory=list)

    @property
    def age(self) -> int | None:
        return AGE_YEAR - self.birth_date.year if self.birth_date else None

    @property
    def ethnicity(self) -> str | None:
        return self.ethnicities.most_common(1)[0][0] if self.ethnicities else None

    def non_han(self) -> tuple[bool, str]:
        """(counted as non-Han, how we know)."""
        e = self.ethnicity
        if e is not None:
            return e != HAN, "recorded"
        if self.name and _SEP.search(self.name):
            return True, "two-part name"
        return False, "unknown"


_TEXT_PLACED = (
    ("有期徒刑", "sentenced"), ("判处", "sentenced"), ("判刑", "sentenced"),
    ("收押", "detained"), ("羁押", "detained"), ("刑事拘留", "detained"),
    ("教育转化", "re_education"), ("送教培", "re_education"), ("职业技能教育培训", "re_education"),
)


def summarize_persons(engine: Engine) -> dict[str, PersonSummary]:
    p, r = schema.person, schema.record
    out: dict[str, PersonSummary] = {}
    with engine.connect() as conn:
        for row in conn.execute(
            select(p.c.id, p.c.id_number, p.c.name, p.c.sex, p.c.birth_date, p.c.region_code, p.c.township,
                   p.c.village, p.c.latest_status)
        ):
            out[row.id] = PersonSummary(*row[1:])
        q = select(r.c.id, r.c.person_id, r.c.kind, r.c.status, r.c.sentence, r.c.facility, r.c.ethnicity,
                   r.c.address, r.c.text).where(r.c.person_id.is_not(None))
        for row in conn.execute(q).mappings():
            s = out.get(row["person_id"])
            if s is None:
                continue
            e = norm_ethnicity(row["ethnicity"])
            if e:
                s.ethnicities[e] += 1
            if row["kind"] == "table":
                if placement_of(row):
                    s.placed.append(row["id"])
            elif row["kind"] in ("text", "ocr") and row["text"]:
                if any(w in row["text"] for w, _ in _TEXT_PLACED):
                    s.placed_text.append(row["id"])
            st, ad = row["status"] or "", row["address"] or ""
            if terms.status_key(st) == "abroad" or any(w in ad for w in ABROAD_WORDS):
                s.abroad.append(row["id"])
    return out


def definition(county: str, population: str) -> dict[str, Any]:
    codes = COUNTIES[county]
    words = terms.words_for(terms.CAMP_OR_PRISON)
    pop = "" if population == "adults" else (
        f" whose ethnicity is not Han ({HAN}): the ethnicity most often recorded in their rows, or, when no"
        " row records one, a name written in two parts with a middle dot (Uyghur, Kazakh, Kyrgyz naming);")
    return {
        "text": (
            f"Denominator: persons in the store with a valid 18-character ID number whose region code is "
            f"{' or '.join(codes)} ({county}, {COUNTY_EN[county]}),{pop} aged {ADULT_AGE} or more in {AGE_YEAR} "
            f"({AGE_YEAR} minus the birth year in the ID number), and never recorded abroad (status word "
            f"meaning abroad, or an address containing {' or '.join(ABROAD_WORDS)}). "
            f"Numerator: those of them with at least one spreadsheet or document-table row that records a "
            f"placement: a status word meaning {', '.join(terms.CAMP_OR_PRISON)}, or a sentence, or a facility "
            f"containing {', '.join(FACILITY_WORDS)}. Running text is not counted (reported apart)."
        ),
        "county": county,
        "region_codes": list(codes),
        "population": population,
        "age": {"min": ADULT_AGE, "computed_as": f"{AGE_YEAR} - birth year from the ID number"},
        "statuses_counted": list(terms.CAMP_OR_PRISON),
        "status_words": words,
        "status_words_source": terms.source(),
        "facility_words": list(FACILITY_WORDS),
        "excluded": ["no valid ID number", "recorded abroad", f"under {ADULT_AGE} in {AGE_YEAR}"]
        + ([f"ethnicity {HAN} or unknown"] if population != "adults" else []),
        "limits": (
            "Counts what the leak's readable files show: a person placed in a camp or prison but on no "
            "list the leak holds, or only on a list whose ID numbers lost digits (Excel) and could not be "
            "linked, is in the denominator (if any other row gives the ID) but not the numerator. The "
            "share is therefore a lower bound of the share the police held, and depends on how many "
            "lists leaked. Persons with no recorded ethnicity and a one-part (Han-style) name are not "
            "counted as non-Han."
        ),
    }


def camp_share(summaries: dict[str, PersonSummary], county: str, population: str = "non_han_adults",
               examples: int = 5) -> dict[str, Any]:
    codes = COUNTIES[county]
    den = num = num_text = 0
    eth_inferred = 0
    ex: list[dict[str, Any]] = []
    for pid, s in summaries.items():
        if not s.id_number or s.region_code not in codes or s.age is None or s.age < ADULT_AGE or s.abroad:
            continue  # persons formed from partial or mistyped numbers, or by name, have no valid ID
        if population != "adults":
            ok, how = s.non_han()
            if not ok:
                continue
            eth_inferred += how == "two-part name"
        den += 1
        if s.placed:
            num += 1
            if len(ex) < examples:
                ex.append({"person_id": pid, "record_ids": s.placed[:5]})
        elif s.placed_text:
            num_text += 1
    return {
        "county": county,
        "population": population,
        "numerator": num,
        "denominator": den,
        "share": round(num / den, 5) if den else None,
        "also_in_running_text_only": num_text,
        "ethnicity_from_name": eth_inferred if population != "adults" else None,
        "examples": ex,
        "definition": definition(county, population),
    }


def _counter_rows(c: Counter, total: int | None = None) -> list[dict[str, Any]]:
    total = total if total is not None else sum(c.values())
    return [{"value": k, "count": n, "rate": round(n / total, 5) if total else None}
            for k, n in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))]


def compute(engine: Engine) -> dict[str, Any]:
    t0 = time.perf_counter()
    f, r = schema.source_file, schema.record
    summaries = summarize_persons(engine)
    with engine.connect() as conn:
        files = Counter({(a, b): n for a, b, n in conn.execute(
            select(f.c.type, f.c.status, func.count()).group_by(f.c.type, f.c.status))})
        rec_kind = Counter(dict(conn.execute(select(r.c.kind, func.count()).group_by(r.c.kind)).all()))
        rec_status = Counter()
        rec_status_word = Counter()
        month = Counter()
        month_status: dict[str, Counter] = defaultdict(Counter)
        for st, day, n in conn.execute(
            select(r.c.status, r.c.event_date, func.count()).group_by(r.c.status, r.c.event_date)
        ):
            ev = f"{day.year:04d}-{day.month:02d}" if day is not None else None
            key = terms.status_key(st) or ("(none)" if not st else "(unknown word)")
            rec_status[key] += n
            if st:
                rec_status_word[st] += n
            if ev:
                month[ev] += n
                month_status[ev][key] += n
        id_stats = conn.execute(select(
            func.count(r.c.id_raw), func.sum(r.c.id_valid), func.count(r.c.id_pattern))).one()
        links = Counter(dict(conn.execute(select(schema.link.c.kind, func.count()).group_by(schema.link.c.kind)).all()))
        photos = conn.execute(select(func.count()).select_from(schema.photo)).scalar_one()
    n = len(summaries)
    n_valid = sum(1 for s in summaries.values() if s.id_number)
    by = {k: Counter() for k in ("latest_status", "township", "village", "age_band", "sex", "county", "ethnicity")}
    by_valid = {k: Counter() for k in ("age_band", "sex", "county")}
    for s in summaries.values():
        if s.id_number:
            by_valid["age_band"][age_band(s.age)] += 1
            by_valid["sex"][s.sex or "(unknown)"] += 1
            by_valid["county"][county_of(s.region_code) or f"other ({s.region_code})"] += 1
        by["latest_status"][terms.status_key(s.latest_status) or ("(none)" if not s.latest_status else s.latest_status)] += 1
        by["township"][s.township or "(unknown)"] += 1
        by["village"][f"{s.township or '?'} / {s.village}" if s.village else "(unknown)"] += 1
        by["age_band"][age_band(s.age)] += 1
        by["sex"][s.sex or "(unknown)"] += 1
        by["county"][county_of(s.region_code) or f"other ({s.region_code})"] += 1
        by["ethnicity"][s.ethnicity or "(not recorded)"] += 1
    placed_by = {k: Counter() for k in ("township", "age_band", "sex")}
    for s in summaries.values():
        if s.placed:
            placed_by["township"][s.township or "(unknown)"] += 1
            placed_by["age_band"][age_band(s.age)] += 1
            placed_by["sex"][s.sex or "(unknown)"] += 1
    shares = [camp_share(summaries, c, pop) for c in COUNTIES for pop in ("non_han_adults", "adults")]
    with_ids = int(id_stats[0] or 0)
    out = {
        "totals": {
            "files": sum(files.values()), "records": sum(rec_kind.values()), "persons": n,
            "persons_with_valid_id": n_valid,
            "photos": photos, "links": sum(links.values()),
        },
        "files_by_type_status": [{"type": a, "status": b, "count": c} for (a, b), c in sorted(files.items())],
        "records_by_kind": _counter_rows(rec_kind),
        "records_by_status": _counter_rows(rec_status),
        "records_by_status_word": _counter_rows(rec_status_word),
        "records_by_month": [{"value": k, "count": v} for k, v in sorted(month.items())],
        "records_by_month_status": [{"month": m, **dict(c)} for m, c in sorted(month_status.items())],
        "id_numbers": {
            "records_with_id": with_ids,
            "valid": int(id_stats[1] or 0),
            "valid_rate": round((id_stats[1] or 0) / with_ids, 5) if with_ids else None,
            "partial_patterns": int(id_stats[2] or 0),
        },
        "links_by_kind": _counter_rows(links),
        "persons_by": {k: _counter_rows(c, n) for k, c in by.items()},
        "persons_by_valid_id": {k: _counter_rows(c, n_valid) for k, c in by_valid.items()},
        "placed_by": {k: [dict(row, rate_of_group=round(row["count"] / by[k][row["value"]], 5)
                               if by[k][row["value"]] else None) for row in _counter_rows(c)]
                      for k, c in placed_by.items()},
        "camp_or_prison_share": shares,
        "status_words_source": terms.source(),
        "seconds": None,
    }
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


# --- outputs ------------------------------------------------------------------------------------


def to_csv(stats: dict[str, Any]) -> str:
    """One long table: section, key, value, count, rate (easy to filter in a spreadsheet)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["section", "group", "value", "count", "rate"])
    for k, v in stats["totals"].items():
        w.writerow(["totals", "", k, v, ""])
    for sec in ("records_by_kind", "records_by_status", "records_by_status_word", "records_by_month", "links_by_kind"):
        for row in stats[sec]:
            w.writerow([sec, "", row["value"], row["count"], row.get("rate", "")])
    for g, rows in stats["persons_by"].items():
        for row in rows:
            w.writerow(["persons_by", g, row["value"], row["count"], row["rate"]])
    for g, rows in stats["placed_by"].items():
        for row in rows:
            w.writerow(["placed_by", g, row["value"], row["count"], row["rate_of_group"]])
    for s in stats["camp_or_prison_share"]:
        w.writerow(["camp_or_prison_share", f"{s['county']} {s['population']}", "numerator", s["numerator"], ""])
        w.writerow(["camp_or_prison_share", f"{s['county']} {s['population']}", "denominator", s["denominator"], ""])
        w.writerow(["camp_or_prison_share", f"{s['county']} {s['population']}", "share", "", s["share"]])
    return buf.getvalue()


def _esc(s: Any) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def bar_svg(rows: list[dict[str, Any]], title: str, *, top: int = 20, width: int = 640) -> str:
    """A horizontal bar chart as standalone SVG (no library, no external font)."""
    rows = rows[:top]
    bar_h, gap, left, pad = 18, 4, 230, 30
    h = pad + len(rows) * (bar_h + gap) + 10
    mx = max((r["count"] for r in rows), default=1) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" '
           f'font-family="sans-serif" font-size="12" role="img" aria-label="{_esc(title)}">',
           f'<text x="4" y="16" font-weight="bold">{_esc(title)}</text>']
    for i, r in enumerate(rows):
        y = pad + i * (bar_h + gap)
        wbar = int((width - left - 70) * r["count"] / mx)
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{_esc(r["value"])}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{max(wbar, 1)}" height="{bar_h}" fill="#4a6fa5"/>')
        out.append(f'<text x="{left + wbar + 4}" y="{y + 13}">{r["count"]:,}</text>')
    out.append("</svg>")
    return "\n".join(out)


def charts(stats: dict[str, Any]) -> dict[str, str]:
    """file name -> SVG text."""
    pb = stats["persons_by"]
    month_rows = [{"value": r["value"], "count": r["count"]} for r in stats["records_by_month"]]
    return {
        "persons_by_status.svg": bar_svg(pb["latest_status"], "Persons by latest status"),
        "persons_by_township.svg": bar_svg(pb["township"], "Persons by township"),
        "persons_by_age_band.svg": bar_svg(sorted(pb["age_band"], key=lambda r: r["value"]), "Persons by age in 2017"),
        "persons_by_sex.svg": bar_svg(pb["sex"], "Persons by sex"),
        "records_by_month.svg": bar_svg(month_rows, "Dated records by month", top=60),
        "placed_by_age_band.svg": bar_svg(sorted(stats["placed_by"]["age_band"], key=lambda r: r["value"]),
                                          "Persons with a camp or prison record, by age in 2017"),
    }
