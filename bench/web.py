"""Load figures for the site on loopback: ID searches by POST (the HTML form and the JSON API) and
person pages, from N concurrent keep-alive clients, bounded in requests and in time.

    .venv/bin/python bench/web.py --db /tmp/site/db.sqlite [--clients 50] [--requests 3000]
        [--seconds 30] [--workers 1] [--json]

The server is the real one (uvicorn, `izdesh serve`'s settings) in a subprocess on a free loopback
port. The load client is a small asyncio HTTP/1.1 client (raw streams, keep-alive): httpx would
spend more CPU than the server on this 2-core machine. Targets (issue 6): >= 300 ID searches/s with
p99 <= 100 ms at 50 clients; person page p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    codes: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(p: float) -> float:
            return round(lat[min(n - 1, int(p * n))] * 1000, 1) if n else float("nan")

        return {
            "name": self.name,
            "requests": n,
            "errors": self.errors,
            "codes": self.codes,
            "seconds": round(self.seconds, 2),
            "rps": round(n / self.seconds, 1) if self.seconds else 0,
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 1) if n else float("nan"),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if n else float("nan"),
        }


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


def _request(method: str, path: str, host: str, body: bytes = b"", ctype: str = "") -> bytes:
    lines = [f"{method} {urllib.parse.quote(path, safe='/?=&')} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    if body:
        lines += [f"Content-Type: {ctype}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def load(port: int, name: str, requests: list[bytes], clients: int, max_requests: int, seconds: float) -> Run:
    run = Run(name)
    counter = iter(range(max_requests))
    deadline = time.perf_counter() + seconds

    async def client(k: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for i in counter:
                if time.perf_counter() > deadline:
                    break
                req = requests[(i * 7919 + k) % len(requests)]
                t0 = time.perf_counter()
                try:
                    status = await _one(reader, writer, req)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    run.errors += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                run.latencies.append(time.perf_counter() - t0)
                run.codes[status] = run.codes.get(status, 0) + 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    run.seconds = time.perf_counter() - t0
    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: str, port: int, workers: int) -> subprocess.Popen[str]:
    code = (
        "import sys, uvicorn; from izdesh.web.app import create_app; "
        "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), "
        "access_log=False, log_level='warning')"
    )
    if workers > 1:  # several processes: uvicorn needs an import string and a factory
        code = (
            "import os, sys, uvicorn; os.environ['IZDESH_DB'] = sys.argv[1]; "
            "uvicorn.run('bench.web:_factory', factory=True, host='127.0.0.1', port=int(sys.argv[2]), "
            f"workers={workers}, access_log=False, log_level='warning')"
        )
    proc = subprocess.Popen([sys.executable, "-c", code, db, str(port)], text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def _factory():  # type: ignore[no-untyped-def]
    import os

    from izdesh.web.app import create_app

    return create_app(os.environ["IZDESH_DB"])


def samples(db: str, n: int, seed: int) -> tuple[list[str], list[str]]:
    from izdesh.store import schema
    from izdesh.store.db import open_engine

    engine = open_engine(db, readonly=True)
    with engine.connect() as conn:
        rows = conn.execute(select(schema.person.c.id, schema.person.c.id_number).where(schema.person.c.id_number.is_not(None))).all()
        total = conn.execute(select(schema.person.c.id)).all()
    rng = random.Random(seed)
    picked = rng.sample(rows, min(n, len(rows)))
    return [r.id_number for r in picked], [r.id for r in picked], len(total)  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=3000, help="per scenario, at most")
    ap.add_argument("--seconds", type=float, default=30.0, help="per scenario, at most")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    ids, pids, persons = samples(args.db, 500, args.seed)
    port = _free_port()
    host = f"127.0.0.1:{port}"
    form = [_request("POST", "/search", host, urllib.parse.urlencode({"q": i, "lang": "en"}).encode(), "application/x-www-form-urlencoded") for i in ids]
    api = [_request("POST", "/api/search", host, json.dumps({"query": i, "limit": 10}).encode(), "application/json") for i in ids]
    person = [_request("GET", f"/person/{p}", host) for p in pids]
    person_ug = [_request("GET", f"/ug/person/{p}", host) for p in pids]

    proc = start_server(args.db, port, args.workers)
    out: dict[str, Any] = {"db": args.db, "persons": persons, "clients": args.clients, "workers": args.workers, "runs": []}
    try:
        # Warm up: templates compiled, SQLite pages cached, statistics of the form's dropdowns kept.
        asyncio.run(load(port, "warmup", form + person, min(8, args.clients), 400, 10))
        for name, reqs in (("search_form_id", form), ("api_search_id", api), ("person_page", person), ("person_page_ug", person_ug)):
            run = asyncio.run(load(port, name, reqs, args.clients, args.requests, args.seconds))
            out["runs"].append(run.figures())
        # Person pages at low concurrency: the latency one visitor sees.
        run = asyncio.run(load(port, "person_page_c1", person, 1, min(args.requests, 500), args.seconds))
        out["runs"].append(run.figures())
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(f"store {args.db}: {persons} persons; {args.clients} clients; {args.workers} worker(s)")
        print(f"{'scenario':18} {'req':>6} {'err':>4} {'rps':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}  (ms)")
        for r in out["runs"]:
            print(f"{r['name']:18} {r['requests']:6} {r['errors']:4} {r['rps']:8} {r['p50_ms']:7} {r['p95_ms']:7} {r['p99_ms']:7} {r['max_ms']:7}  {r['codes']}")
    return out


if __name__ == "__main__":
    main()
