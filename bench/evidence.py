"""Time the evidence commands (verify, stats, export csv/jsonl/ftm, xref) on a store:
``python bench/evidence.py --db STORE [--leak LEAK] [--json]``.

Each command runs in a subprocess (``python -m izdesh.analysis.commands ...``, the same click
commands ``izdesh`` registers), so wall time and peak RSS are the command's own. The target: verify,
stats and export each <= 120 s on the --full store (830,000 persons, 5,374 images). On a smaller
store the figures are extrapolated linearly in persons (photo hashing linearly in images), and the
report says so. With --leak (a generated leak with truth/), xref also runs on a generated outside
list (``--xref-profile``: ``thin`` name, year, sometimes a place or an ID; ``victims_db`` the same rows
with a sex and a county/township/village hometown, as a victims database entry carries; ``both``) and
prints, per profile, the strict top-1 rate (the issue's figure) and the tie-aware one: a row also
counts as right when the first match is a person the row describes just as well (the same name,
birth year, and sex and place when given; ``xref_list.score_results`` defines it exactly), with the
number of such tie rows.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import machine, measure_subprocess

LIMIT_S = 120
FULL_PERSONS = 830_000
FULL_IMAGES = 5_074 + 300


def _counts(db: str) -> dict:
    if db.startswith("postgresql"):
        from sqlalchemy import func, select

        from izdesh.store import schema
        from izdesh.store.db import open_engine

        with open_engine(db, readonly=True).connect() as conn:
            return {t: conn.execute(select(func.count()).select_from(getattr(schema, t))).scalar_one()
                    for t in ("person", "record", "source_file", "photo")}
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = {t: c.execute(f"select count(*) from {t}").fetchone()[0] for t in ("person", "record", "source_file", "photo")}
    out["images"] = c.execute("select count(*) from source_file where type in ('jpeg','png')").fetchone()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--leak", type=Path, help="the leak folder (photo hashes; truth/ for the xref list)")
    ap.add_argument("--xref-rows", type=int, default=300)
    ap.add_argument("--xref-profile", choices=("thin", "victims_db", "both"), default="both")
    ap.add_argument("--only", help="comma-separated commands to run (verify,stats,export csv,export jsonl,"
                                   "export ftm,xref); default all")
    ap.add_argument("--full", action="store_true",
                    help="the store is an ingest of a --full leak: report measured figures, no extrapolation")
    ap.add_argument("--skip-xref", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    n = _counts(a.db)
    m = machine()
    print(f"store {a.db}: {n['person']:,} persons, {n['record']:,} records, {n['source_file']:,} files, "
          f"{n.get('images', n['photo']):,} images")
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, load {m['load_1min']}, Python {m['python']}")
    base = [sys.executable, "-m", "izdesh.analysis.commands"]
    leak = ["--leak", str(a.leak)] if a.leak else []
    figs: dict = {"machine": m, "store": n, "commands": {}}
    f_persons = 1.0 if a.full else FULL_PERSONS / max(1, n["person"])
    f_images = 1.0 if a.full else FULL_IMAGES / max(1, n.get("images", n["photo"]) or 1)
    with tempfile.TemporaryDirectory(prefix="izdesh-evidence-") as tmp:
        t = Path(tmp)
        runs = {
            "verify": [*base, "verify", "--db", a.db, "--json", "--no-store-hashes", *leak],
            "stats": [*base, "stats", "--db", a.db, "--json", "--csv", str(t / "s.csv"), "--charts", str(t / "ch")],
            "export csv": [*base, "export", "--db", a.db, "--format", "csv", "--out", str(t / "x.csv"), "--json"],
            "export jsonl": [*base, "export", "--db", a.db, "--format", "jsonl", "--out", str(t / "x.jsonl"), "--json"],
            "export ftm": [*base, "export", "--db", a.db, "--format", "ftm", "--out", str(t / "x.ftm"), "--json"],
        }
        lists = {}
        if a.leak and not a.skip_xref and (a.leak / "truth" / "persons.jsonl").exists():
            from izdesh.analysis import xref_list

            for prof in xref_list.PROFILES if a.xref_profile == "both" else (a.xref_profile,):
                lists[f"xref {prof}"] = items = xref_list.make_list(a.leak, a.xref_rows, seed=1, profile=prof)
                xref_list.write_csv(items, t / f"list_{prof}.csv")
                runs[f"xref {prof}"] = [*base, "xref", str(t / f"list_{prof}.csv"), "--db", a.db, "--json"]
        if a.only:
            keep = {x.strip() for x in a.only.split(",")}
            runs = {k: v for k, v in runs.items() if k in keep or k.split()[0] in keep}
        for label, cmd in runs.items():
            r = measure_subprocess(cmd)
            fig = {"wall_s": round(r.wall_s, 2), "cpu_s": round(r.cpu_s, 2), "peak_rss_mib": round(r.peak_rss_mib, 1),
                   "returncode": r.returncode}
            # Full-scale estimate: start-up (imports) stays, the command's own time (its JSON
            # "seconds") grows linearly in persons; photo hashing linearly in images.
            est = None
            xref = label.startswith("xref")
            if r.returncode == 0 and not xref:
                rep = json.loads(r.stdout.splitlines()[-1])
                inner = float(rep.get("seconds") or 0.0)
                startup = max(0.0, r.wall_s - inner)
                fig["inner_s"] = inner
                if label == "verify":
                    hashing = rep["timings"].get("hashing", 0.0)
                    est = startup + (inner - hashing) * f_persons + hashing * (
                        f_images if rep["photos"]["hashing"]["computed"] else 1)
                    fig["hashing_s"] = hashing
                    fig["findings"] = rep["finding_counts"]
                else:
                    est = startup + inner * f_persons
            if xref and r.returncode == 0:
                results = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
                summary = xref_list.score_results(lists[label], results)
                fig["top1"] = {k: v for k, v in summary.items() if k != "misses"}
                est = None  # an index build plus per-row work: not a linear figure
            if f_persons > 1.01 and est is not None:
                fig["extrapolated_full_s"] = round(est, 1)
            figs["commands"][label] = fig
            ok = "" if xref else ("  OK" if (fig.get("extrapolated_full_s") or r.wall_s) <= LIMIT_S else "  OVER 120 s")
            if f_persons > 1.01 and not xref:
                ok += " (extrapolated)"
            extra = f"  (extrapolated to {FULL_PERSONS:,} persons: {fig['extrapolated_full_s']} s)" if "extrapolated_full_s" in fig else ""
            print(f"{label:<13} wall {r.wall_s:7.2f} s  cpu {r.cpu_s:7.2f} s  peak {r.peak_rss_mib:6.0f} MiB  "
                  f"rc {r.returncode}{extra}{ok}")
            if "top1" in fig:
                t1, ta = fig["top1"]["latin_name_and_year_top1"], fig["top1"]["latin_name_and_year_top1_tie_aware"]
                print(f"   strict top-1 right for {t1['right']}/{t1['n']} rows with a Latin name and a birth year "
                      f"({t1['rate']:.1%})")
                print(f"   tie-aware (first match is the person or one the row describes as well): "
                      f"{ta['right']}/{ta['n']} ({ta['rate']:.1%}); {ta['tie_rows']} rows have such twins")
                print(f"   absent people whose first match stays under 0.8: {fig['top1'].get('absent', {}).get('rate')}")
    if f_persons > 1.01:
        print(f"note: the store holds {n['person']:,} persons; full-scale figures are linear extrapolations "
              f"(x{f_persons:.0f} in persons, x{f_images:.1f} in images for photo hashing).")
    if a.json:
        print(json.dumps(figs, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
