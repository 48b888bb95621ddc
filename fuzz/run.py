"""Run every fuzzing target in turn, with its seed corpus, and print a summary (executions, CPU,
findings, crashes/hangs) per target. Working corpora go to a temporary folder so the committed seed
corpus stays small.

--seconds is wall time per target; --cpu-seconds instead stops a target once the fuzzer (and the
tools it runs) has used that much CPU, which is the honest measure on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = {"detect": "detect", "spreadsheet": "spreadsheet", "delimited": "delimited", "docx": "docx", "doc": "doc",
         "pdf": "pdf", "odt": "docx", "pptx": "pptx", "ppt": "ppt", "html": "html", "rtf": "rtf", "email": "email",
         "msg": "msg", "image": "image", "archive": "archive"}
# The OLE seeds (real files from ingest-file's test suite) are larger than the default 64 KiB: a
# seed cut at max_len would be a broken container from the start.
MAX_LEN = {"ppt": 160_000, "msg": 80_000}


# Each input is written to a file for the reader to open. On disk, on a machine where another job
# writes gigabytes, those small writes wait in the kernel's dirty-page throttling: the fuzzer then
# ran at 10 to 25% of a core. In memory (tmpfs) it runs at a full core.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60, help="wall time per target")
    ap.add_argument("--cpu-seconds", type=int, help="CPU time per target (overrides --seconds)")
    ap.add_argument("targets", nargs="*", default=list(SEEDS))
    a = ap.parse_args()
    for t in a.targets:
        work = Path(tempfile.mkdtemp(prefix=f"fuzz-{t}-", dir=SCRATCH))
        shutil.copytree(HERE / "corpus" / SEEDS[t], work / "corpus")
        arts = work / "artifacts"
        arts.mkdir()
        cmd = [sys.executable, str(HERE / "fuzz_readers.py"), t, f"-max_total_time={a.seconds if not a.cpu_seconds else 100 * a.cpu_seconds}", "-timeout=20",
               "-rss_limit_mb=3072", f"-max_len={MAX_LEN.get(t, 65536)}", f"-artifact_prefix={arts}/", "-print_final_stats=1",
               str(work / "corpus")]
        found = HERE / "findings" / f"{t}.txt"
        known = len(found.read_text().splitlines()) if found.exists() else 0  # from earlier runs
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = _run(cmd, work / "out.txt", a.cpu_seconds)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        out = (work / "out.txt").read_text(errors="replace")
        # libFuzzer's final stats, or (stopped at the CPU budget: atheris exits on SIGINT without
        # them) its last progress line.
        execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", out) or re.findall(r"^#(\d+)\s", out, re.M)
        nfind = (len(found.read_text().splitlines()) if found.exists() else 0) - known
        crashes = sorted(p.name for p in arts.iterdir())
        ended = "CPU budget reached" if r.returncode in (72, 130) and a.cpu_seconds else f"exit {r.returncode}"
        print(f"{t}: {ended}, executions {execs[-1] if execs else '?'}, CPU {cpu:.0f} s, "
              f"new non-FileError exceptions {nfind}, crash/hang artifacts {crashes or 'none'} (log {work}/out.txt)", flush=True)


def _run(cmd: list[str], log: Path, cpu_seconds: int | None) -> subprocess.CompletedProcess[str]:
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "TMPDIR": SCRATCH or tempfile.gettempdir()})
        while proc.poll() is None:
            time.sleep(2)
            if cpu_seconds and _cpu(proc.pid) >= cpu_seconds:
                proc.send_signal(signal.SIGINT)  # libFuzzer prints its final stats and exits
                proc.wait()
    return subprocess.CompletedProcess(cmd, proc.returncode)


def _cpu(pid: int) -> float:
    """CPU seconds of a running process and its waited-for children (/proc/PID/stat fields 14-17)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
