"""Load figures for the site on loopback: ID searches by POST (the JSON API and the HTML form) and
person pages of random real persons, from 1 and from N concurrent keep-alive clients, each run
bounded in time.

    .venv/bin/python bench/web.py --db /tmp/izfull/full2.sqlite [--clients 1 50] [--workers 1 2]
        [--seconds 20] [--scenarios api_search_id person_page] [--private] [--json]
        [--scenarios api_search_name --names queries.txt]

Scenario api_search_name (not run by default) posts the name queries of --names FILE, one a line;
bench/pg.py uses it to compare the engines. The store may be a SQLite path or a postgresql:// URL.

Targets (issue 6), at --full scale: >= 300 ID searches/s with p99 <= 100 ms at 50 clients; person
page p95 <= 50 ms (the bench prints it for 1 client and for N clients: say which one you quote).

What runs:
- The server is `izdesh serve`'s: create_app + security.uvicorn_options() (h11, limits, no access
  log) in a subprocess on a free loopback port, with --workers uvicorn processes. By default it is
  the public site (`izdesh serve --public`) with the rate limiter ON and its documented knob set
  high (`--rate 100000000/minute`; every request still takes a token from the bucket): all the load
  comes from one address, 127.0.0.1, which a real limit would stop after 60 requests. --private
  serves the researchers' site instead (no limiter).
- The load tool is wrk (Debian package `wrk`, C, one thread, closed loop: each of the N connections
  sends its next request as soon as the answer is in), driven by a Lua script that cycles through
  prepared requests (different ID numbers, different persons). Without wrk a small asyncio client
  runs instead and says so: it costs far more CPU on the same 2 cores, so its figures are lower.
- Closed loop means latency ~= clients / throughput (Little's law): at 50 clients a p99 <= 100 ms
  needs about 500 req/s or more.
- CPU is measured, not guessed: the load tool's own user+sys seconds (getrusage of the child) and
  the server's (its processes' utime+stime from /proc), per run; "srv ms/req" is server CPU per
  answered request, the figure least disturbed by other work on a shared machine.
- Every scenario is checked first: each kind of request must answer 200 (a 404 or 429 would make
  the figures meaningless); non-2xx answers during a run are counted in `err`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

SCENARIOS = ("api_search_id", "search_form_id", "person_page", "person_page_ug", "api_search_name")
DEFAULT_SCENARIOS = SCENARIOS[:4]  # the figures of issue 6; api_search_name is for bench/pg.py
BENCH_RATE = "100000000/minute"  # the limiter stays on; one loopback address must not be stopped

# wrk's script: requests from a file (method TAB path TAB content-type TAB body, one a line), taken
# in turn; each thread starts at its own offset. done() prints one JSON line with the percentiles.
WRK_LUA = r"""
local reqs = {}
local i = 0
local function load(path)
  for line in io.lines(path) do
    local m, p, ct, body = line:match("^(%u+)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if ct ~= "" then headers["Content-Type"] = ct end
    if body == "" then body = nil end
    reqs[#reqs + 1] = wrk.format(m, p, headers, body)
  end
end
function init(args)
  load(args[1])
  i = math.random(#reqs)
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass
class Req:
    method: str
    path: str
    ctype: str = ""
    body: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.ctype}\t{self.body}"


@dataclass
class Run:
    name: str
    clients: int
    workers: int
    tool: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    p50_ms: float = float("nan")
    p95_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    mean_ms: float = float("nan")
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0
    load: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items()}
        d["rps"] = round(self.requests / self.seconds, 1) if self.seconds else 0.0
        d["server_ms_per_req"] = round(self.server_cpu_s / self.requests * 1000, 2) if self.requests else None
        return d


# ---------------------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _factory():  # type: ignore[no-untyped-def]
    """uvicorn --workers needs an import string: the app is made from the environment."""
    from izdesh.web.app import create_app

    return create_app(os.environ["IZDESH_BENCH_DB"], public=os.environ["IZDESH_BENCH_PUBLIC"] == "1",
                      rate=os.environ["IZDESH_BENCH_RATE"])


def serve(port: int, workers: int) -> None:
    """The server process: `izdesh serve`'s uvicorn options, `workers` processes. For several, the
    listening socket is made here with proto IPPROTO_TCP: uvicorn's own (Config.bind_socket) has
    proto 0, so asyncio leaves Nagle on for every connection and each keep-alive answer waits
    ~40 ms for the client's delayed ACK (uvicorn issue 3149)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from izdesh.web.security import uvicorn_options

    config = uvicorn.Config("bench.web:_factory", factory=True, host="127.0.0.1", port=port, workers=workers,
                            **uvicorn_options())  # fmt: skip
    if workers == 1:
        uvicorn.Server(config).run()
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.set_inheritable(True)
    Multiprocess(config, sockets=[sock]).run()


SERVER = "import sys; from bench.web import serve; serve(int(sys.argv[1]), int(sys.argv[2]))"


def start_server(db: str, port: int, workers: int, public: bool, rate: str) -> subprocess.Popen[str]:
    env = {**os.environ, "IZDESH_BENCH_DB": db, "IZDESH_BENCH_PUBLIC": "1" if public else "0",
           "IZDESH_BENCH_RATE": rate, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(workers)], text=True, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/about", timeout=5):
                if workers == 1 or len(_tree(proc.pid)) > workers:  # the supervisor and its workers
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def _tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's supervisor spawns the workers)."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    parent[int(d)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return out


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as fh:
                f = fh.read().rsplit(")", 1)[1].split()
            total += int(f[11]) + int(f[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total / tick


def _loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


# ---------------------------------------------------------------------------------- requests
def samples(db: str, n: int, seed: int) -> tuple[list[str], list[str], int]:
    """n ID numbers of persons who have one, and n random person ids (any person), from the store:
    drawn from sorted lists, so the same store on either engine gives the same requests."""
    from izdesh.store import schema
    from izdesh.store.db import open_engine

    p = schema.person
    engine = open_engine(db, readonly=True)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(p)).scalar_one()
        numbers = conn.execute(select(p.c.id_number).where(p.c.id_number.is_not(None)).order_by(p.c.id_number)).scalars().all()
        pids = conn.execute(select(p.c.id).order_by(p.c.id)).scalars().all()
    engine.dispose()
    rng = random.Random(seed)
    return rng.sample(list(numbers), min(n, len(numbers))), rng.sample(list(pids), min(n, len(pids))), total


def scenario_requests(name: str, ids: list[str], pids: list[str], names: list[str] | None = None) -> list[Req]:
    if name == "api_search_name":
        if not names:
            raise ValueError("api_search_name needs --names FILE (one name query a line)")
        return [Req("POST", "/api/search", "application/json", json.dumps({"query": q, "limit": 10})) for q in names]
    if name == "api_search_id":
        return [Req("POST", "/api/search", "application/json", json.dumps({"query": i, "limit": 10})) for i in ids]
    if name == "search_form_id":
        form = "application/x-www-form-urlencoded"
        return [Req("POST", "/search", form, urllib.parse.urlencode({"q": i, "lang": "en"})) for i in ids]
    if name == "person_page":
        return [Req("GET", f"/person/{p}") for p in pids]
    if name == "person_page_ug":
        return [Req("GET", f"/ug/person/{p}") for p in pids]
    raise ValueError(name)


def check(port: int, reqs: list[Req], n: int = 20) -> None:
    """The first n requests must answer 200."""
    for r in reqs[:n]:
        data = r.body.encode() if r.body else None
        req = urllib.request.Request(f"http://127.0.0.1:{port}{r.path}", data=data, method=r.method)
        if r.ctype:
            req.add_header("Content-Type", r.ctype)
        with urllib.request.urlopen(req, timeout=30) as resp:
            if resp.status != 200:
                raise RuntimeError(f"{r.method} {r.path}: {resp.status}")


# ---------------------------------------------------------------------------------- wrk
def run_wrk(port: int, name: str, reqs: list[Req], clients: int, workers: int, seconds: float, tmp: Path, server: list[int]) -> Run:
    script, data = tmp / "bench.lua", tmp / f"{name}.tsv"
    script.write_text(WRK_LUA)
    data.write_text("\n".join(r.line() for r in reqs) + "\n", encoding="utf-8")
    cmd = ["wrk", "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script),
           f"http://127.0.0.1:{port}", "--", str(data)]  # fmt: skip
    before, srv0, load0 = resource.getrusage(resource.RUSAGE_CHILDREN), _cpu_seconds(server), _loadavg()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    after, srv1 = resource.getrusage(resource.RUSAGE_CHILDREN), _cpu_seconds(server)
    got = json.loads(out.strip().splitlines()[-1])
    run = Run(name, clients, workers, "wrk")
    run.requests = got["requests"]
    run.errors = got["connect"] + got["read"] + got["write"] + got["status"] + got["timeout"]
    run.seconds = got["duration_us"] / 1e6
    run.p50_ms, run.p95_ms, run.p99_ms = (round(got[k] / 1000, 2) for k in ("p50_us", "p95_us", "p99_us"))
    run.max_ms, run.mean_ms = round(got["max_us"] / 1000, 1), round(got["mean_us"] / 1000, 1)
    run.client_cpu_s = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)
    run.server_cpu_s = round(srv1 - srv0, 2)
    run.load = f"{load0} -> {_loadavg()}"
    run.detail = {k: got[k] for k in ("connect", "read", "write", "status", "timeout")}
    return run


# ---------------------------------------------------------------------------------- fallback
async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, req: bytes) -> int:
    writer.write(req)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length:
        await reader.readexactly(length)
    return status


def _raw(r: Req, host: str) -> bytes:
    lines = [f"{r.method} {r.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    body = r.body.encode()
    if body:
        lines += [f"Content-Type: {r.ctype}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run_python(port: int, name: str, reqs: list[Req], clients: int, workers: int, seconds: float, server: list[int]) -> Run:
    """The fallback load client (asyncio, raw HTTP/1.1, keep-alive), in this process."""
    raw = [_raw(r, f"127.0.0.1:{port}") for r in reqs]
    lat: list[float] = []
    errors = 0

    async def client(k: int, deadline: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = k * 7919
        try:
            while time.perf_counter() < deadline:
                i += 1
                t0 = time.perf_counter()
                try:
                    status = await _one(reader, writer, raw[i % len(raw)])
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                lat.append(time.perf_counter() - t0)
                errors += status >= 300
        finally:
            writer.close()

    async def main() -> float:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(k, t0 + seconds) for k in range(clients)))
        return time.perf_counter() - t0

    before, srv0, load0 = resource.getrusage(resource.RUSAGE_SELF), _cpu_seconds(server), _loadavg()
    took = asyncio.run(main())
    after, srv1 = resource.getrusage(resource.RUSAGE_SELF), _cpu_seconds(server)
    run = Run(name, clients, workers, "python")
    lat.sort()
    n = len(lat)
    run.requests, run.errors, run.seconds = n, errors, took
    if n:
        run.p50_ms, run.p95_ms, run.p99_ms = (round(lat[min(n - 1, int(p * n))] * 1000, 1) for p in (0.50, 0.95, 0.99))
        run.max_ms, run.mean_ms = round(lat[-1] * 1000, 1), round(statistics.fmean(lat) * 1000, 1)
    run.client_cpu_s = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)
    run.server_cpu_s = round(srv1 - srv0, 2)
    run.load = f"{load0} -> {_loadavg()}"
    return run


# ---------------------------------------------------------------------------------- main
def _go(tool: str, port: int, workers: int, server: list[int], reqs: dict[str, list[Req]], tmp: Path,
        name: str, clients: int, seconds: float) -> Run:  # fmt: skip
    if tool == "wrk":
        return run_wrk(port, name, reqs[name], clients, workers, seconds, tmp, server)
    return run_python(port, name, reqs[name], clients, workers, seconds, server)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 50], help="concurrent connections, one run each")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn processes, one server each")
    ap.add_argument("--seconds", type=float, default=20.0, help="per run")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds of load before each server's runs")
    ap.add_argument("--scenarios", nargs="+", default=list(DEFAULT_SCENARIOS), choices=SCENARIOS)
    ap.add_argument("--names", type=Path, help="name queries, one a line (scenario api_search_name)")
    ap.add_argument("--samples", type=int, default=5000, help="distinct ID numbers and persons asked for")
    ap.add_argument("--private", action="store_true", help="the researchers' site (no --public, no rate limiter)")
    ap.add_argument("--rate", default=BENCH_RATE, help="the public site's --rate (default: on, set high)")
    ap.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if tool == "python":
        print("wrk not found (apt-get install wrk): the asyncio client runs in this process and takes CPU "
              "from the server; figures are lower than wrk's.", file=sys.stderr)  # fmt: skip
    public = not args.private
    ids, pids, persons = samples(args.db, args.samples, args.seed)
    names = args.names.read_text(encoding="utf-8").split("\n") if args.names else None
    names = [q for q in names or [] if q.strip()]
    reqs = {name: scenario_requests(name, ids, pids, names) for name in args.scenarios}
    out: dict[str, Any] = {"db": args.db, "persons": persons, "tool": tool, "public": public,
                           "rate": args.rate if public else "off", "cores": os.cpu_count(), "runs": []}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="izdesh-bench-") as tmpdir:
        for workers in args.workers:
            port = _free_port()
            proc = start_server(args.db, port, workers, public, args.rate if public else "0")
            try:
                server = _tree(proc.pid)
                for r in reqs.values():
                    check(port, r)

                go = functools.partial(_go, tool, port, workers, server, reqs, Path(tmpdir))
                if args.warmup > 0:  # templates compiled, the store's pages in the OS cache, caches filled
                    for name in args.scenarios:
                        go(name, max(args.clients), args.warmup / len(args.scenarios))
                for name in args.scenarios:
                    for clients in args.clients:
                        run = go(name, clients, args.seconds)
                        out["runs"].append(run.figures())
                        if not args.json:
                            _print_row(run.figures())
            finally:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"store {args.db}: {persons} persons; tool {tool}; "
              f"{'public site, rate limiter on at ' + args.rate if public else 'researchers site, no limiter'}")  # fmt: skip
    return out


_HEAD = False


def _print_row(r: dict[str, Any]) -> None:
    global _HEAD
    if not _HEAD:
        print(f"{'scenario':16} {'wk':>3} {'cli':>3} {'req':>6} {'err':>4} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
              f"{'max':>6}  {'srv ms/req':>10} {'srv cpu':>7} {'cli cpu':>7}  load")  # fmt: skip
        _HEAD = True
    print(f"{r['name']:16} {r['workers']:3} {r['clients']:3} {r['requests']:6} {r['errors']:4} {r['rps']:7} {r['p50_ms']:6} "
          f"{r['p95_ms']:6} {r['p99_ms']:6} {r['max_ms']:6}  {r['server_ms_per_req']:10} {r['server_cpu_s']:7} "
          f"{r['client_cpu_s']:7}  {r['load']}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
