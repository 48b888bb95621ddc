"""Search quality and latency on a store built from a generated leak (issue 5's figures).

    python bench/search.py --leak /tmp/izfull/leak --db /tmp/izfull/full.sqlite [--sample 500]

Prints, per query script, the strict recall@1 and recall@10 of persons sampled from the truth and
queried by their name (birth year added where namesakes share the name), the tie-aware recall
(izdesh/analysis/searchbench.py defines it and the miss classes a/b/c exactly), how many queries
had twins (persons the query cannot tell apart: same Latin full name and birth year), the same
with the township added to the query as a hint (`Filters.township_hint`), with a wrong township as
the hint (recall@10 must hold: a hint orders, never excludes), in-process warm latency (p50, p95) for name and ID queries,
and the time of a batch of 1,000 name queries through the CLI.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from bench.harness import machine, measure_subprocess, report  # noqa: E402
from izdesh.analysis.searchbench import measure, name_queries  # noqa: E402
from izdesh.search.engine import search  # noqa: E402
from izdesh.store import schema  # noqa: E402
from izdesh.store.db import open_engine  # noqa: E402


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[int(q * (len(xs) - 1))], 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leak", type=Path, required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--sample", type=int, default=500, help="persons sampled (each queried in 5 scripts)")
    args = ap.parse_args()
    engine = open_engine(args.db, readonly=True)
    with engine.connect() as conn:
        persons = conn.execute(select(schema.person.c.id).limit(1)).all()
        ids = list(conn.execute(select(schema.person.c.id_number).where(schema.person.c.id_number.is_not(None))).scalars())
    assert persons, "empty store"
    print(f"store: {len(ids):,} persons with an ID number; machine: {machine()}")
    sample = name_queries(args.leak, engine, args.sample, seed=1)
    queries = sample
    for q in queries[:50]:  # warm caches
        search(engine, q.text)
    for label, township in (("name (+ birth year where namesakes share it)", False), ("name + township", True)):
        t0, c0 = time.perf_counter(), time.process_time()
        figs = measure(engine, sample, township=township)
        print(f"\n{label}: wall {time.perf_counter() - t0:.1f} s, cpu {time.process_time() - c0:.1f} s")
        print(f"{'script':12} {'queries':>7} {'R@1':>6} {'R@10':>6} {'tied':>5} {'tR@1':>6} {'tR@10':>6} {'tR@1tt':>6}"
              f" {'a':>3} {'b':>3} {'(b0)':>4} {'c':>3} {'(cu)':>4} {'p50 ms':>7} {'p95 ms':>7} {'cpu p95':>7}")
        for script, f in figs.items():
            print(f"{script:12} {f['queries']:>7} {f['recall@1']:>6.4f} {f['recall@10']:>6.4f} {f['tied_queries']:>5}"
                  f" {f['tied_recall@1']:>6.4f} {f['tied_recall@10']:>6.4f} {f['tied_recall@1_truth_towns']:>6.4f}"
                  f" {f['miss_a_retrieval']:>3} {f['miss_b_scoring']:>3} {f['miss_b_unidentified']:>4}"
                  f" {f['miss_c_tie']:>3} {f['miss_c_township_unknown']:>4}"
                  f" {f['p50_ms']:>7} {f['p95_ms']:>7} {f['cpu_p95_ms']:>7}")
    print("R = strict recall, tied = queries whose target has twins, tR = tie-aware recall (township variant:"
          " a person whose township the store does not know counts as a twin), tR@1tt = tie-aware with truth"
          " townships only (the count of earlier runs); misses at 1: a retrieval, b scoring (b0: only persons"
          " without an ID number above), c tie with twins (cu: a b miss under truth townships, only because the"
          " store does not know a township); izdesh/analysis/searchbench.py defines each exactly")
    figs = measure(engine, sample, wrong_township=True)
    print("name + a wrong township as the hint: " + ", ".join(
        f"{script} R@1 {f['recall@1']:.4f} R@10 {f['recall@10']:.4f}" for script, f in figs.items()))
    all_ms, all_cpu = [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        search(engine, q.text)
        all_ms.append((time.perf_counter() - t0) * 1000)
        all_cpu.append((time.process_time() - c0) * 1000)
    print(f"name queries (no year filter): p50 {statistics.median(all_ms):.2f} ms, p95 {pct(all_ms, 0.95)} ms"
          f" (cpu p95 {pct(all_cpu, 0.95)} ms)")
    rng = random.Random(2)
    id_ms, id_cpu = [], []
    for idn in rng.sample(ids, min(2000, len(ids))):
        t0, c0 = time.perf_counter(), time.process_time()
        res = search(engine, idn)
        id_ms.append((time.perf_counter() - t0) * 1000)
        id_cpu.append((time.process_time() - c0) * 1000)
        assert res and res[0].id_number == idn
    print(f"ID queries: p50 {statistics.median(id_ms):.2f} ms, p95 {pct(id_ms, 0.95)} ms, p99 {pct(id_ms, 0.99)} ms"
          f" (cpu p95 {pct(id_cpu, 0.95)} ms)")
    batch = Path(tempfile.mkdtemp()) / "batch.txt"
    lines = [q.text for q in queries if q.script in ("latin", "arabic")][:1000]
    while len(lines) < 1000:
        lines += lines[: 1000 - len(lines)]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = measure_subprocess([sys.executable, "-m", "izdesh.cli", "search", "--batch", str(batch),
                            "--db", args.db, "--json"])
    report("batch of 1,000 name queries through the CLI", r, items=1000, unit="queries")


if __name__ == "__main__":
    main()
