"""Time the synthetic-leak generator: ``python bench/generate.py [--full | --persons N]``.

Runs ``python -m izdesh.generate.leak`` in a subprocess (so peak RSS covers the generator and its
pool workers and nothing else), then prints wall time, persons/s, files/s, peak RSS and the
machine. The full run (830,000 persons) must finish in 10 minutes within 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import measure_subprocess, report  # noqa: E402

LIMIT_S = 600
LIMIT_MIB = 2048


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--full", action="store_true", help="830,000 persons (the default is 3,000)")
    g.add_argument("--persons", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="keep the leak here (default: a temporary folder, removed)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line too")
    a = ap.parse_args(argv)
    tmp = None
    out = a.out
    if out is None:
        tmp = tempfile.mkdtemp(prefix="izdesh-bench-")
        out = Path(tmp) / "leak"
    cmd = [sys.executable, "-m", "izdesh.generate.leak", "--out", str(out), "--seed", str(a.seed),
           "--no-progress"]
    if a.full:
        cmd.append("--full")
    elif a.persons:
        cmd += ["--persons", str(a.persons)]
    try:
        r = measure_subprocess(cmd)
        summary = {}
        for line in r.stdout.splitlines()[::-1]:
            if line.startswith("{"):
                summary = json.loads(line)
                break
        persons = summary.get("persons")
        fig = report("izdesh generate" + (" --full" if a.full else f" --persons {persons}"), r,
                     items=persons, unit="persons")
        if summary:
            files = summary.get("files", 0)
            print(f"   {files:,} files ({files / r.wall_s:,.1f}/s), {summary.get('mentions', 0):,} mentions, "
                  f"population built in {summary.get('population_seconds')} s")
            fig["summary"] = summary
        if a.full:
            ok = r.wall_s <= LIMIT_S and r.peak_rss_mib <= LIMIT_MIB
            print(f"   budget (<= {LIMIT_S} s, <= {LIMIT_MIB} MiB): {'OK' if ok else 'EXCEEDED'}")
        if a.json:
            print(json.dumps(fig, ensure_ascii=False))
        return r.returncode or 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
