"""A bounded load test of the public site on loopback: the real server (uvicorn in a subprocess with
the production options of izdesh.web.security.uvicorn_options), a mix of public searches (by ID,
partial ID, name + year), refused broad queries, person pages, researcher-only pages, unknown pages
and oversized forms, from many simulated clients (X-Forwarded-For, with the server trusting one
proxy) so the rate limiter answers some with 429.

Pass: no 5xx and no failed connection (the other answers are the expected 200/400/403/404/413/429),
and the server's memory flat: RSS sampled every half second.

    python bench/load_safety.py --db STORE --leak LEAK [--requests 4000] [--seconds 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

SERVER = """
import sys, uvicorn
from izdesh.web.app import create_app
from izdesh.web.security import uvicorn_options
app = create_app(sys.argv[1], public=True, rate=sys.argv[3], trusted_proxies=1)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), **uvicorn_options())
"""
EXPECTED = {200, 303, 400, 403, 404, 413, 429}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--leak", type=Path, help="a generated leak (its truth/persons.jsonl gives real queries)")
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--seconds", type=float, default=100.0, help="stop sending after this long (bounded)")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--clients", type=int, default=40, help="simulated client addresses")
    ap.add_argument("--rate", default="120/minute", help="the server's per-client limit")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    people = []
    if a.leak:
        with (a.leak / "truth" / "persons.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                p = json.loads(line)
                people.append((p["id_number"], p["name_zh"], (p.get("birth_date") or "1980")[:4]))
                if len(people) >= 500:
                    break
    people = people or [("653121198503040117", "买买提·吐尔逊", "1985")]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", SERVER, a.db, str(port), a.rate],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(base + "/about", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    rss: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            try:
                rss.append((round(time.monotonic() - t0, 1), rss_kib(proc.pid)))
            except OSError:
                return
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    codes: Counter[str] = Counter()
    lat: list[float] = []
    lock = threading.Lock()
    rng = random.Random(7)
    plan = [rng.random() for _ in range(a.requests)]
    local = threading.local()

    def one(i: int) -> None:
        if time.monotonic() - t0 > a.seconds:
            return
        c = getattr(local, "c", None)
        if c is None:
            c = local.c = httpx.Client(base_url=base, timeout=30)
        idn, name, year = people[i % len(people)]
        h = {"X-Forwarded-For": f"192.0.2.{i % a.clients + 1}"}  # a header value only: no traffic goes there
        r = plan[i]
        t = time.perf_counter()
        try:
            if r < 0.30:
                resp = c.post("/search", data={"q": idn}, headers=h)
            elif r < 0.45:
                resp = c.post("/api/search", json={"query": idn[:14] + "*"}, headers=h)
            elif r < 0.65:
                resp = c.post("/search", data={"q": name, "birth_year": year}, headers=h)
            elif r < 0.75:
                resp = c.post("/api/search", json={"query": rng.choice(["*", "6531", name, "?" * 18])}, headers=h)
            elif r < 0.82:
                resp = c.get("/stats", headers=h)
            elif r < 0.88:
                resp = c.get(f"/source/{i % 500 + 1}", headers=h)
            elif r < 0.93:
                resp = c.post("/search", content=b"q=" + b"a" * 40000, headers={**h, "content-type": "application/x-www-form-urlencoded"})
            else:
                resp = c.get(rng.choice(["/", "/about", "/zh/", "/ug/about", "/nowhere"]), headers=h)
            code = str(resp.status_code)
        except httpx.HTTPError as exc:
            code = type(exc).__name__
        with lock:
            codes[code] += 1
            lat.append(time.perf_counter() - t)

    with ThreadPoolExecutor(a.threads) as ex:
        list(ex.map(one, range(a.requests)))
    elapsed = time.monotonic() - t0
    time.sleep(1.0)
    stop.set()
    sampler.join()
    proc.terminate()
    err = proc.communicate(timeout=20)[1].decode(errors="replace")
    sent = sum(codes.values())
    bad = {k: v for k, v in codes.items() if not (k.isdigit() and int(k) in EXPECTED)}
    lat.sort()
    mem = [m for _, m in rss]
    warm = mem[len(mem) // 5 :] or mem  # after warm-up (first fifth: imports, caches, first pages)
    out = {
        "requests": sent, "seconds": round(elapsed, 1), "req_per_s": round(sent / elapsed, 1),
        "status": dict(sorted(codes.items())), "unexpected": bad,
        "p50_ms": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "p99_ms": round(1000 * lat[int(len(lat) * 0.99)], 1) if lat else None,
        "rss_mib": {"start": round(mem[0] / 1024, 1), "after_warmup": round(warm[0] / 1024, 1),
                    "end": round(mem[-1] / 1024, 1), "max": round(max(mem) / 1024, 1)} if mem else None,
        "rss_growth_after_warmup_mib": round((max(warm) - warm[0]) / 1024, 1) if warm else None,
        "server_stderr_lines": len([x for x in err.splitlines() if x.strip()]),
        "rss_samples": rss[:: max(1, len(rss) // 20)],
    }
    print(json.dumps(out, ensure_ascii=False, indent=None if a.json else 1))
    ok = not bad and out["rss_growth_after_warmup_mib"] is not None and out["rss_growth_after_warmup_mib"] < 50
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
