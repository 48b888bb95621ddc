"""Time an ingest and measure what it recovered against the generator's truth.

    python bench/ingest.py --leak /tmp/izfull/leak --db /tmp/izfull/full.sqlite   # an existing leak
    python bench/ingest.py --persons 20000                                        # generate one first
    python bench/ingest.py --leak L --db postgresql://...  --workers 2

Prints wall time, files/s, peak RSS (the largest process, pool workers included), the machine,
and recovery per mention kind (table, text, ocr, photo): recall, precision, ID reading right.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import measure_subprocess, report  # noqa: E402
from izdesh.analysis.groundtruth import evaluate  # noqa: E402
from izdesh.store.db import open_engine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leak", type=Path, help="an existing generated leak (with truth/)")
    ap.add_argument("--persons", type=int, default=20_000, help="generate a leak of this size first")
    ap.add_argument("--db", help="SQLite path or postgresql:// URL (default: a temporary SQLite file)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="izdesh-bench-"))
    leak = args.leak
    if leak is None:
        leak = tmp / "leak"
        gen = measure_subprocess([sys.executable, "-m", "izdesh.cli", "generate", "--out", str(leak),
                                  "--persons", str(args.persons), "--quiet"])
        report(f"generate {args.persons:,} persons", gen)
    db = args.db or str(tmp / "bench.sqlite")
    files = sum(1 for p in leak.rglob("*") if p.is_file() and "truth" not in p.relative_to(leak).parts)
    r = measure_subprocess([sys.executable, "-m", "izdesh.cli", "ingest", str(leak), "--exclude", "truth/*",
                            "--db", db, "--workers", str(args.workers), "--quiet"])
    fig = report(f"ingest {files:,} files into {db.split('@')[-1]}", r, items=files, unit="files")
    rec = {k: {x: y for x, y in v.as_dict().items() if x != "misses"} for k, v in
           evaluate(open_engine(db, readonly=True), leak).items()}
    for kind, v in rec.items():
        right = v["id_right"] / v["found"] if v["found"] else 1.0
        print(f"   {kind:6} mentions {v['mentions']:>9,}  recall {v['recall']:.4f}  precision {v['precision']:.4f}"
              f"  ID right {right:.4f}  (in broken files, not counted: {v['in_broken_files']:,})")
    if args.json:
        print(json.dumps({**fig, "recovery": rec}))


if __name__ == "__main__":
    main()
