"""A small timing harness: wall time, rate, peak RSS, and the machine the figures came from.

    from bench.harness import measure_call, measure_subprocess, machine, report
    r = measure_subprocess([sys.executable, "-m", "izdesh.generate.leak", "--out", d, "--full"])
    report("generate --full", r, items=830_000, unit="persons")

Peak RSS: ``resource.getrusage`` gives the largest resident set of this process (RUSAGE_SELF)
and of the largest waited-for child process (RUSAGE_CHILDREN, which includes grandchildren such
as pool workers once they are reaped). Linux reports KiB, macOS bytes.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


@dataclass
class Result:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float  # the largest single process (self for calls, children for subprocesses)
    returncode: int | None = None
    value: Any = None
    stdout: str = ""
    extra: dict = field(default_factory=dict)


def _rss_mib(ru_maxrss: int) -> float:
    return ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru_maxrss / 1024


def measure_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Result:
    """Time a callable in this process. Peak RSS is this process's lifetime peak (an upper bound
    for the call if something bigger ran before)."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    value = fn(*args, **kwargs)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Result(wall, cpu, _rss_mib(after.ru_maxrss), value=value,
                  extra={"children_peak_rss_mib": _rss_mib(kids.ru_maxrss)})


def measure_subprocess(cmd: Sequence[str], *, env: dict | None = None, capture: bool = True) -> Result:
    """Run a command to completion; peak RSS is the largest process of its tree that was reaped."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(list(cmd), env=env, stdout=subprocess.PIPE if capture else None, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Result(wall, cpu, _rss_mib(after.ru_maxrss), returncode=proc.returncode,
                  stdout=proc.stdout or "")


def machine() -> dict:
    """CPU model, cores, RAM, OS and Python version."""
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    ram = int(line.split()[1]) / 1024 / 1024
                    break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = None
    return {
        "cpu": cpu or "unknown",
        "cores": cores,
        "ram_gib": round(ram, 1) if ram else None,
        "load_1min": round(load, 2) if load is not None else None,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def report(label: str, r: Result, *, items: int | None = None, unit: str = "items",
           out=sys.stdout) -> dict:
    """Print the figures (human-readable) and return them as a dict."""
    m = machine()
    fig = {"label": label, "wall_s": round(r.wall_s, 2), "cpu_s": round(r.cpu_s, 2),
           "peak_rss_mib": round(r.peak_rss_mib, 1), **{k: v for k, v in r.extra.items()}}
    if items:
        fig["items"] = items
        fig["rate_per_s"] = round(items / r.wall_s, 1) if r.wall_s > 0 else None
    if r.returncode is not None:
        fig["returncode"] = r.returncode
    print(f"== {label}", file=out)
    print(f"   wall {r.wall_s:.2f} s   cpu {r.cpu_s:.2f} s   peak RSS {r.peak_rss_mib:.0f} MiB", file=out)
    if items:
        print(f"   {items:,} {unit}: {fig['rate_per_s']:,} {unit}/s", file=out)
    print(f"   machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, load {m['load_1min']}, "
          f"Python {m['python']}", file=out)
    fig["machine"] = m
    return fig
