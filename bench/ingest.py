"""Time an ingest and measure what it recovered against the generator's truth.

    python bench/ingest.py --leak /tmp/izfull/leak --db /tmp/izfull/full.sqlite   # an existing leak
    python bench/ingest.py --persons 20000                                        # generate one first
    python bench/ingest.py --leak L --db postgresql://...  --workers 2
    python bench/ingest.py --leak /tmp/izfull/leak --sample 8                     # every 8th file
    python bench/ingest.py --leak /tmp/izfull/leak --sample 10 --format pdf-scan  # OCR on scans

--sample K / --format F measure on a subset: every K-th file (in the truth's order) of the given
truth format(s), hard-linked (or copied) into a temporary leak with the truth cut to those files,
so recall per kind is over the subset's mentions only. Figures scale to the full leak by K.

Prints wall time, files/s, peak RSS (the largest process, pool workers included), the machine,
the run's phases (izdesh.ingest.pipeline.Summary.phases: "read_write", reading and writing
overlapped; "write", the single writer's share of it; "persons", "name_index", "integrity"; wall
and CPU seconds of the main process, the readers' CPU not included), and recovery per mention kind
(table, text, ocr, photo): recall, precision, ID reading right.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import measure_subprocess, report  # noqa: E402
from izdesh.analysis.groundtruth import evaluate  # noqa: E402
from izdesh.store.db import open_engine  # noqa: E402


def subset(src: Path, dst: Path, every: int, formats: set[str]) -> Path:
    """A leak of every `every`-th file of `src` (of `formats`, if any), with its truth cut to match."""
    (dst / "truth").mkdir(parents=True)
    kept: set[str] = set()
    with (src / "truth" / "files.jsonl").open(encoding="utf-8") as fh, \
            (dst / "truth" / "files.jsonl").open("w", encoding="utf-8") as out:  # fmt: skip
        rows = [json.loads(line) for line in fh if line.strip()]
        for row in [r for r in rows if not formats or r["format"] in formats][::every]:
            kept.add(row["path"])
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            target = dst / row["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src / row["path"], target)
            except OSError:  # another file system
                shutil.copy2(src / row["path"], target)
    with (src / "truth" / "mentions.jsonl").open(encoding="utf-8") as fh, \
            (dst / "truth" / "mentions.jsonl").open("w", encoding="utf-8") as out:  # fmt: skip
        for line in fh:
            if json.loads(line)["file"] in kept:
                out.write(line)
    print(f"subset: {len(kept):,} files of {src} in {dst}")
    return dst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--leak", type=Path, help="an existing generated leak (with truth/)")
    ap.add_argument("--persons", type=int, default=20_000, help="generate a leak of this size first")
    ap.add_argument("--db", help="SQLite path or postgresql:// URL (default: a temporary SQLite file)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sample", type=int, default=1, metavar="K", help="every K-th file of --leak only")
    ap.add_argument("--format", action="append", help="only files of this truth format (pdf-scan, xlsx, ...)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="izdesh-bench-"))
    leak = args.leak
    if leak is not None and (args.sample > 1 or args.format):
        leak = subset(leak, tmp / "leak", args.sample, set(args.format or ()))
    if leak is None:
        leak = tmp / "leak"
        gen = measure_subprocess([sys.executable, "-m", "izdesh.cli", "generate", "--out", str(leak),
                                  "--persons", str(args.persons), "--quiet"])
        report(f"generate {args.persons:,} persons", gen)
    db = args.db or str(tmp / "bench.sqlite")
    files = sum(1 for p in leak.rglob("*") if p.is_file() and "truth" not in p.relative_to(leak).parts)
    phases_file = tmp / "phases.json"
    r = measure_subprocess([sys.executable, "-m", "izdesh.cli", "ingest", str(leak), "--exclude", "truth/*",
                            "--db", db, "--workers", str(args.workers), "--quiet"],
                           env={**os.environ, "IZDESH_INGEST_PHASES": str(phases_file)})
    fig = report(f"ingest {files:,} files into {db.split('@')[-1]}", r, items=files, unit="files")
    phases = json.loads(phases_file.read_text()) if phases_file.exists() else {}
    if phases:
        print("   phases (wall / CPU of the main process, s): " + ", ".join(
            f"{k} {v['wall']:.1f} / {v['cpu']:.1f}" for k, v in phases.items()))
        fig["phases"] = phases
    rec = {k: {x: y for x, y in v.as_dict().items() if x != "misses"} for k, v in
           evaluate(open_engine(db, readonly=True), leak).items()}
    for kind, v in rec.items():
        right = v["id_right"] / v["found"] if v["found"] else 1.0
        print(f"   {kind:6} mentions {v['mentions']:>9,}  recall {v['recall']:.4f}  precision {v['precision']:.4f}"
              f"  ID right {right:.4f}  (in broken files, not counted: {v['in_broken_files']:,})")
    ocr = ocr_figures(db)
    if ocr["pages"]:
        print(f"   OCR    {ocr['pages']:,} scanned pages in {ocr['files']:,} files: {ocr['cpu_s']:.0f} CPU-s in the readers"
              f" ({ocr['cpu_s'] / ocr['pages']:.2f} CPU-s/page), {ocr['wall_s']:.0f} s wall summed over readers")
    if args.json:
        print(json.dumps({**fig, "recovery": rec, "ocr": ocr}))


def ocr_figures(db: str) -> dict[str, float]:
    """Scanned PDF pages OCR'd and what they cost, from each file's meta (ocr_pages, ocr_seconds:
    wall in the reader, ocr_cpu_seconds: the reader's CPU time over its OCR)."""
    from sqlalchemy import select

    from izdesh.store import schema

    out = {"files": 0, "pages": 0, "cpu_s": 0.0, "wall_s": 0.0}
    with open_engine(db, readonly=True).connect() as conn:
        for (meta,) in conn.execute(select(schema.source_file.c.meta).where(schema.source_file.c.type == "pdf")):
            if meta and meta.get("ocr_pages"):
                out["files"] += 1
                out["pages"] += meta["ocr_pages"]
                out["cpu_s"] += meta.get("ocr_cpu_seconds") or 0.0
                out["wall_s"] += meta.get("ocr_seconds") or 0.0
    return out


if __name__ == "__main__":
    main()
