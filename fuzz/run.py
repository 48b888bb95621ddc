"""Run every fuzzing target in turn for --seconds each, with its seed corpus, and print a summary
(executions, findings, crashes/hangs) per target. Working corpora go to a temporary folder so the
committed seed corpus stays small."""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = {"detect": "detect", "spreadsheet": "spreadsheet", "delimited": "delimited", "docx": "docx", "doc": "doc",
         "pdf": "pdf", "odt": "docx", "pptx": "pptx", "ppt": "ppt", "html": "html", "rtf": "rtf", "email": "email",
         "msg": "msg", "image": "image", "archive": "archive"}
# The OLE seeds (real files from ingest-file's test suite) are larger than the default 64 KiB: a
# seed cut at max_len would be a broken container from the start.
MAX_LEN = {"ppt": 160_000, "msg": 80_000}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("targets", nargs="*", default=list(SEEDS))
    a = ap.parse_args()
    for t in a.targets:
        work = Path(tempfile.mkdtemp(prefix=f"fuzz-{t}-"))
        shutil.copytree(HERE / "corpus" / SEEDS[t], work / "corpus")
        arts = work / "artifacts"
        arts.mkdir()
        cmd = [sys.executable, str(HERE / "fuzz_readers.py"), t, f"-max_total_time={a.seconds}", "-timeout=20",
               "-rss_limit_mb=3072", f"-max_len={MAX_LEN.get(t, 65536)}", f"-artifact_prefix={arts}/", "-print_final_stats=1",
               str(work / "corpus")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run(cmd, capture_output=True, text=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out = r.stdout + r.stderr
        (work / "log.txt").write_text(out)
        execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", out)
        found = HERE / "findings" / f"{t}.txt"
        nfind = len(found.read_text().splitlines()) if found.exists() else 0
        crashes = sorted(p.name for p in arts.iterdir())
        print(f"{t}: exit {r.returncode}, executions {execs[-1] if execs else '?'}, CPU {cpu:.0f} s, "
              f"non-FileError exceptions {nfind}, crash/hang artifacts {crashes or 'none'} (log {work}/log.txt)", flush=True)


if __name__ == "__main__":
    main()
